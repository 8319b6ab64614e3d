// The event stream's opening state, its ids, resuming with Last-Event-ID, and its keep-alives.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/api_fixture.hpp"
#include "daemon/event_stream.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiTest;
using testing::EventReader;

/// The `data` of the first frame whose event is `name` in `text`, parsed.
json data_of(const std::string& text, const std::string& name) {
  const auto at = text.find("event: " + name + "\ndata: ");
  if (at == std::string::npos) return nullptr;
  const auto start = text.find("data: ", at) + 6;
  return json::parse(text.substr(start, text.find('\n', start) - start));
}

/// The id line right before `event: name`.
std::string id_of(const std::string& text, const std::string& name) {
  const auto at = text.find("event: " + name + "\n");
  if (at == std::string::npos || at == 0) return "";
  const auto line = text.rfind("id: ", at - 1);
  if (line == std::string::npos) return "";
  return text.substr(line + 4, at - 1 - (line + 4));
}

class EventResumeTest : public ApiTest {
 protected:
  void SetUp() override {
    backend.node_status.name = "box2";
    backend.set_leader("box2", 7, true, 400ms);
    ApiTest::SetUp();
  }
};

TEST_F(EventResumeTest, AStreamOpensWithTheStateAndEveryEventHasAnId) {
  server->publish("e", R"({"n":1})");  // before the stream: not sent, but counted
  EventReader r(server->port());
  ASSERT_TRUE(r.wait_for("event: state\n"));
  auto state = data_of(r.text(), "state");
  EXPECT_TRUE(state.at("t_mono_ns").is_number_integer());
  state.erase("t_mono_ns");
  EXPECT_EQ(state, (json{{"node", "box2"},
                         {"event", "state"},
                         {"leader", "box2"},
                         {"term", 7},
                         {"role", "leader"},
                         {"is_leader", true},
                         {"lease_left_ms", 400}}));
  // The state is as of event 1, which it includes.
  const auto state_id = id_of(r.text(), "state");
  ASSERT_GT(state_id.size(), 2U);
  const auto epoch = state_id.substr(0, state_id.find('-'));
  EXPECT_EQ(state_id, epoch + "-1");
  EXPECT_EQ(r.text().find("event: state\n"), r.text().find("event: "));  // the first event

  server->publish("leader_changed", R"({"n":2})");
  server->publish("leader_changed", R"({"n":3})");
  ASSERT_TRUE(r.wait_for("id: " + epoch + "-3\nevent: leader_changed\ndata: {\"n\":3}\n\n"))
      << r.text();
  EXPECT_NE(r.text().find("id: " + epoch + "-2\nevent: leader_changed\ndata: {\"n\":2}\n\n"),
            std::string::npos);
  EXPECT_EQ(r.text().find("{\"n\":1}"), std::string::npos);
}

TEST_F(EventResumeTest, LastEventIdReplaysWhatWasMissed) {
  std::string epoch;
  {
    EventReader first(server->port());
    ASSERT_TRUE(first.wait_for("event: state\n"));
    epoch = id_of(first.text(), "state");
    epoch = epoch.substr(0, epoch.find('-'));
    server->publish("e", R"({"n":1})");
    ASSERT_TRUE(first.wait_for("{\"n\":1}"));
  }
  // Missed while disconnected.
  server->publish("e", R"({"n":2})");
  server->publish("e", R"({"n":3})");
  EventReader again(server->port(), {{"Last-Event-ID", epoch + "-1"}});
  ASSERT_TRUE(again.wait_for("{\"n\":3}")) << again.text();
  const auto text = again.text();
  // Exactly what followed id 1, in order, and no state or reset.
  EXPECT_EQ(text.substr(0, text.find("{\"n\":3}") + 10),
            "id: " + epoch + "-2\nevent: e\ndata: {\"n\":2}\n\n" + "id: " + epoch +
                "-3\nevent: e\ndata: {\"n\":3}\n\n")
      << text;
  server->publish("e", R"({"n":4})");
  ASSERT_TRUE(again.wait_for("id: " + epoch + "-4\nevent: e\ndata: {\"n\":4}\n\n"));

  // The latest id resumes with nothing to replay.
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  EventReader latest(server->port(), {{"Last-Event-ID", epoch + "-4"}});
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 2; }));
  server->publish("e", R"({"n":5})");
  ASSERT_TRUE(latest.wait_for("{\"n\":5}"));
  EXPECT_EQ(latest.text().find("event: "), latest.text().find("event: e\ndata: {\"n\":5}"));
}

/// A Last-Event-ID that cannot be resumed from gets a reset, then the state.
void expect_reset(const std::string& text, const std::string& last_id) {
  ASSERT_EQ(text.find("event: "), text.find("event: reset\n")) << text;
  EXPECT_LT(text.find("event: reset\n"), text.find("event: state\n")) << text;
  EXPECT_EQ(data_of(text, "reset"), (json{{"event", "reset"}, {"last_event_id", last_id}}));
  EXPECT_EQ(id_of(text, "reset"), id_of(text, "state"));
}

TEST_F(EventResumeTest, AnIdTooOldOrFromAnotherProcessResets) {
  ControlServerOptions o;
  o.event_history = 2;
  start(o);
  std::string epoch;
  {
    EventReader first(server->port());
    ASSERT_TRUE(first.wait_for("event: state\n"));
    epoch = id_of(first.text(), "state");
    epoch = epoch.substr(0, epoch.find('-'));
  }
  for (int i = 1; i <= 4; ++i) server->publish("e", "{}");
  // Events 3 and 4 are kept: 2 resumes, 1 does not (event 2 is gone).
  {
    EventReader ok(server->port(), {{"Last-Event-ID", epoch + "-2"}});
    ASSERT_TRUE(ok.wait_for("id: " + epoch + "-4\n"));
    EXPECT_EQ(ok.text().find("event: reset"), std::string::npos);
  }
  const std::string bad_ids[] = {epoch + "-1", epoch + "-9", "0badc0de-3", "garbage", epoch + "-"};
  for (const auto& id : bad_ids) {
    EventReader r(server->port(), {{"Last-Event-ID", id}});
    ASSERT_TRUE(r.wait_for("event: state\n")) << id;
    expect_reset(r.text(), id);
    EXPECT_EQ(id_of(r.text(), "state"), epoch + "-4");
  }
  // A restarted server (another epoch) does not know the old ids.
  start(ControlServerOptions{});
  EventReader r(server->port(), {{"Last-Event-ID", epoch + "-4"}});
  ASSERT_TRUE(r.wait_for("event: state\n"));
  expect_reset(r.text(), epoch + "-4");
  EXPECT_NE(id_of(r.text(), "state").substr(0, epoch.size()), epoch);
}

TEST_F(EventResumeTest, KeepalivesComeEveryPeriod) {
  ControlServerOptions o;
  o.keepalive = 50ms;
  start(o);
  EventReader r(server->port());
  ASSERT_TRUE(r.wait_for("event: state\n"));
  // Several in a row on an idle stream.
  ASSERT_TRUE(testing::wait_until([&] {
    const auto t = r.text();
    std::size_t n = 0;
    for (auto at = t.find(": keepalive\n\n"); at != std::string::npos;
         at = t.find(": keepalive\n\n", at + 1)) {
      ++n;
    }
    return n >= 3;
  }));
}

TEST(EventBroadcasterIds, DroppedCarriesTheIdOfTheLastEventLost) {
  EventBroadcaster b(EventBroadcaster::Options{2, 4, 8});
  auto sub = b.subscribe();
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->start(), EventBroadcaster::Start::fresh);
  EXPECT_EQ(sub->start_id(), b.epoch() + "-0");
  for (int i = 1; i <= 4; ++i) b.publish("e", std::to_string(i));
  std::string out;
  ASSERT_EQ(sub->next(0ms, out), EventBroadcaster::Subscription::Wait::frames);
  const auto& e = b.epoch();
  EXPECT_EQ(out, "id: " + e + "-2\nevent: dropped\ndata: {\"event\":\"dropped\",\"count\":2}\n\n" +
                     "id: " + e + "-3\nevent: e\ndata: 3\n\nid: " + e +
                     "-4\nevent: e\ndata: 4\n\n");
}

}  // namespace
}  // namespace elector::daemon
