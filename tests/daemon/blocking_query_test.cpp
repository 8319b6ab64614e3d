// GET /v1/leader?wait=DURATION&after_term=N: answered when the term differs from N, or at the
// end of the wait, without holding up other requests.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/api_fixture.hpp"
#include "daemon/term_waiters.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ApiTest;

class BlockingQueryTest : public ApiTest {
 protected:
  void SetUp() override {
    backend.set_leader("box1", 7, false);
    ApiTest::SetUp();
  }
  /// GET `target` on a thread of its own.
  std::future<httplib::Result> get_async(std::string target) {
    return std::async(std::launch::async, [this, target] { return client().Get(target); });
  }
};

TEST_F(BlockingQueryTest, AnswersWhenTheTermChanges) {
  auto pending = get_async("/v1/leader?wait=60s&after_term=7");
  ASSERT_TRUE(testing::wait_until([&] { return server->leader_waiters() == 1; }));
  // Other requests are served meanwhile: the wait holds no thread the server needs.
  auto c = client();
  const auto other = c.Get("/v1/leader");
  ASSERT_TRUE(other);
  EXPECT_EQ(body(other).at("term"), 7);
  EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);

  // An event that leaves the term alone does not answer it.
  server->publish("member_up", "{}");
  EXPECT_EQ(server->leader_waiters(), 1U);
  backend.set_leader("box2", 8, false);
  server->publish("leader_changed", "{}");
  ASSERT_EQ(pending.wait_for(20s), std::future_status::ready);
  const auto r = pending.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"leader", "box2"},
                           {"term", 8},
                           {"is_leader", false},
                           {"lease_left_ms", 0},
                           {"timed_out", false}}));
  EXPECT_EQ(server->leader_waiters(), 0U);
}

TEST_F(BlockingQueryTest, AnotherTermAnswersAtOnce) {
  auto c = client();
  const auto r = c.Get("/v1/leader?wait=5m&after_term=6");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r).at("term"), 7);
  EXPECT_EQ(body(r).at("timed_out"), false);
}

TEST_F(BlockingQueryTest, AnswersTheCurrentViewAtTheEndOfTheWait) {
  auto c = client();
  const auto r = c.Get("/v1/leader?wait=30ms&after_term=7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"leader", "box1"},
                           {"term", 7},
                           {"is_leader", false},
                           {"lease_left_ms", 0},
                           {"timed_out", true}}));
  const auto h = c.Head("/v1/leader?wait=0s&after_term=7");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
}

TEST_F(BlockingQueryTest, BadParametersAre400NamingThem) {
  auto c = client();
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/leader?wait=5s", "wait needs after_term"},
      {"/v1/leader?after_term=3", "after_term needs wait"},
      {"/v1/leader?wait=5&after_term=3", "bad value for wait: \"5\""},
      {"/v1/leader?wait=5h&after_term=3", "bad value for wait"},
      {"/v1/leader?wait=-1s&after_term=3", "bad value for wait"},
      {"/v1/leader?wait=301s&after_term=3", "at most 300s"},
      {"/v1/leader?wait=6m&after_term=3", "bad value for wait"},
      {"/v1/leader?wait=1s&after_term=x", "bad value for after_term: \"x\""},
      {"/v1/leader?wait=1s&after_term=-1", "bad value for after_term"},
      {"/v1/leader?wait=1s&after_term=", "bad value for after_term"},
  };
  for (const auto& [target, why] : cases) {
    const auto r = c.Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    const auto e = body(r).at("error").get<std::string>();
    EXPECT_NE(e.find(why), std::string::npos) << target << ": " << e;
  }
  EXPECT_EQ(server->leader_waiters(), 0U);
}

TEST_F(BlockingQueryTest, TooManyWaitersAre503) {
  ControlServerOptions o;
  o.max_leader_waiters = 1;
  start(o);
  auto first = get_async("/v1/leader?wait=60s&after_term=7");
  ASSERT_TRUE(testing::wait_until([&] { return server->leader_waiters() == 1; }));
  auto c = client();
  const auto r = c.Get("/v1/leader?wait=60s&after_term=7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(body(r).at("error").get<std::string>().find("at most 1"), std::string::npos);
  // Stopping answers the one waiting.
  server->stop();
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  const auto f = first.get();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, 503);
}

TEST(TermWaiters, ChangedTimedOutAndStopped) {
  TermWaiters w(4);
  std::mutex mu;
  std::vector<std::pair<int, TermWaiters::Outcome>> got;
  auto answer = [&](int who) {
    return [&, who](TermWaiters::Outcome o) {
      const std::lock_guard lock(mu);
      got.emplace_back(who, o);
    };
  };
  const auto far = TermWaiters::Clock::now() + 1h;
  ASSERT_TRUE(w.add(7, far, answer(1)));
  ASSERT_TRUE(w.add(8, far, answer(2)));
  ASSERT_TRUE(w.add(7, TermWaiters::Clock::now(), answer(3)));
  ASSERT_TRUE(testing::wait_until([&] { return w.waiting() == 2; }));
  w.term_is(8);  // answers 1, not 2
  EXPECT_EQ(w.waiting(), 1U);
  w.stop();
  EXPECT_FALSE(w.add(1, far, answer(4)));
  const std::lock_guard lock(mu);
  EXPECT_EQ(
      got, (std::vector<std::pair<int, TermWaiters::Outcome>>{{3, TermWaiters::Outcome::timed_out},
                                                              {1, TermWaiters::Outcome::changed},
                                                              {2, TermWaiters::Outcome::stopped}}));
}

}  // namespace
}  // namespace elector::daemon
