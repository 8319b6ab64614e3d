#include "daemon/stream_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/api_fixture.hpp"

namespace elector::daemon {
namespace {

using nlohmann::json;

const elector::Time kAt = elector::from_ns(123456789);

json line(const elector::Event& e, const ControlBackend& b) {
  return json::parse(stream_event_line(kAt, "box2", e, b));
}

TEST(StreamJson, LeadershipAcquiredCarriesTheLeaseLeft) {
  testing::FakeBackend b;
  b.set_leader("box2", 7, true, std::chrono::microseconds(399'900));
  EXPECT_EQ(line(elector::LeadershipAcquired{7}, b), (json{{"t_mono_ns", 123456789},
                                                           {"node", "box2"},
                                                           {"event", "leadership_acquired"},
                                                           {"term", 7},
                                                           {"lease_left_ms", 399}}));
  // A leader_changed naming this node is about the same lease.
  EXPECT_EQ(line(elector::LeaderChanged{"box2", 7}, b).at("lease_left_ms"), 399);
}

TEST(StreamJson, ALeaseOfAnotherTermOrNoneIsZero) {
  testing::FakeBackend b;
  b.set_leader("box2", 8, true, elector::ms(400));
  // The event is about term 7, which ended before it was published.
  EXPECT_EQ(line(elector::LeadershipAcquired{7}, b).at("lease_left_ms"), 0);
  b.set_leader("box1", 7, false);
  EXPECT_EQ(line(elector::LeadershipAcquired{7}, b).at("lease_left_ms"), 0);
}

TEST(StreamJson, OtherEventsAreTheEventLogs) {
  testing::FakeBackend b;
  b.set_leader("box2", 7, true, elector::ms(400));
  const elector::Event others[] = {
      elector::LeaderChanged{"box1", 7}, elector::LeaderChanged{std::nullopt, 7},
      elector::LeadershipLost{7, kAt, elector::LossReason::lease_expired},
      elector::MemberUp{"box3"}};
  for (const auto& e : others) {
    EXPECT_EQ(stream_event_line(kAt, "box2", e, b), event_line(kAt, "box2", e));
  }
}

TEST(StreamJson, StateIsOneSnapshot) {
  elector::NodeStatus st;
  st.name = "box2";
  st.leader = "box2";
  st.term = 9;
  st.role = elector::NodeRole::leader;
  st.is_leader = true;
  st.lease_left = elector::ms(250);
  auto j = json::parse(state_json(st).dump());
  EXPECT_TRUE(j.at("t_mono_ns").is_number_integer());
  j.erase("t_mono_ns");
  EXPECT_EQ(j, (json{{"node", "box2"},
                     {"event", "state"},
                     {"leader", "box2"},
                     {"term", 9},
                     {"role", "leader"},
                     {"is_leader", true},
                     {"lease_left_ms", 250}}));
}

}  // namespace
}  // namespace elector::daemon
