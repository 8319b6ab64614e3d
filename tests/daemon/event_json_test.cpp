#include "daemon/event_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace elector::daemon {
namespace {

using nlohmann::json;

const elector::Time kAt = elector::from_ns(123456789);

json parsed(const elector::Event& e) {
  const auto line = event_line(kAt, "box2", e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  return json::parse(line);
}

json expected(const char* event, json fields) {
  json j = {{"t_mono_ns", 123456789}, {"node", "box2"}, {"event", event}};
  j.update(fields);
  return j;
}

TEST(EventJson, LeaderChanged) {
  EXPECT_EQ(parsed(elector::LeaderChanged{"box1", 7}),
            expected("leader_changed", {{"leader", "box1"}, {"term", 7}}));
  EXPECT_EQ(parsed(elector::LeaderChanged{std::nullopt, 8}),
            expected("leader_changed", {{"leader", nullptr}, {"term", 8}}));
}

TEST(EventJson, LeadershipAcquired) {
  EXPECT_EQ(parsed(elector::LeadershipAcquired{7}), expected("leadership_acquired", {{"term", 7}}));
}

TEST(EventJson, LeadershipLost) {
  EXPECT_EQ(
      parsed(elector::LeadershipLost{7, elector::from_ns(99), elector::LossReason::lease_expired}),
      expected("leadership_lost",
               {{"term", 7}, {"effective_mono_ns", 99}, {"reason", "lease_expired"}}));
}

TEST(EventJson, ElectionStarted) {
  EXPECT_EQ(parsed(elector::ElectionStarted{3, elector::ElectionReason::member_joined, true}),
            expected("election_started",
                     {{"election", 3}, {"reason", "member_joined"}, {"initiator", true}}));
}

TEST(EventJson, ElectionFinished) {
  EXPECT_EQ(parsed(elector::ElectionFinished{3, "box1", 9, elector::ms(42), true}),
            expected("election_finished", {{"election", 3},
                                           {"leader", "box1"},
                                           {"term", 9},
                                           {"took_ms", 42},
                                           {"initiator", true}}));
  EXPECT_EQ(parsed(elector::ElectionFinished{4, std::nullopt, 9, elector::ms(5)}),
            expected("election_finished", {{"election", 4},
                                           {"leader", nullptr},
                                           {"term", 9},
                                           {"took_ms", 5},
                                           {"initiator", false}}));
}

TEST(EventJson, Members) {
  EXPECT_EQ(parsed(elector::MemberUp{"box3"}), expected("member_up", {{"member", "box3"}}));
  EXPECT_EQ(parsed(elector::MemberDown{"box3", elector::DownReason::failed}),
            expected("member_down", {{"member", "box3"}, {"reason", "failed"}}));
  EXPECT_EQ(parsed(elector::SettingsMismatch{"box4", {}, {}, {}}),
            expected("settings_mismatch", {{"member", "box4"}, {"differs", json::object()}}));
}

TEST(EventJson, SettingsMismatchSaysWhatDiffersAndBothValues) {
  elector::SettingsMismatch m;
  m.member = "box4";
  m.member_settings = {
      "priority", 3, elector::ms(1000), elector::ms(100), elector::HooksExecution::global, true};
  m.own_settings = {"uptime_high",
                    0,
                    elector::ms(1000),
                    std::chrono::microseconds(100'500),
                    elector::HooksExecution::local,
                    true};
  m.differs = elector::differences(m.member_settings, m.own_settings);
  EXPECT_EQ(parsed(m),
            expected("settings_mismatch",
                     {{"member", "box4"},
                      {"differs",
                       {{"strategy", {{"member", "priority"}, {"this_node", "uptime_high"}}},
                        {"quorum_size", {{"member", 3}, {"this_node", 0}}},
                        {"heartbeat_interval", {{"member", 100}, {"this_node", 100.5}}},
                        {"hooks_execution", {{"member", "global"}, {"this_node", "local"}}}}}}));
  EXPECT_EQ(event_text(m),
            "member box4 runs strategy=priority (this node uptime_high), quorum_size=3 (this node "
            "0), heartbeat_interval=100 (this node 100.5), hooks_execution=global (this node "
            "local): it is not voted for until every node has the same strategy, quorum_size, "
            "election_delay, heartbeat_interval, hooks_execution and automatic_elections");
}

TEST(EventJson, CommonFieldsComeFirst) {
  const auto line = event_line(kAt, "box2", elector::LeadershipAcquired{1});
  EXPECT_EQ(line,
            R"({"t_mono_ns":123456789,"node":"box2","event":"leadership_acquired","term":1})");
}

TEST(EventJson, InvalidUtf8DoesNotThrow) {
  const auto line = event_line(kAt, "box2", elector::MemberUp{"bad\xff"});
  EXPECT_FALSE(json::parse(line).is_discarded());
}

TEST(EventJson, TextForLogs) {
  EXPECT_EQ(event_text(elector::LeaderChanged{"box1", 7}), "leader is now box1 (term 7)");
  EXPECT_EQ(event_text(elector::MemberDown{"box3", elector::DownReason::left}),
            "member box3 down (left)");
}

}  // namespace
}  // namespace elector::daemon
