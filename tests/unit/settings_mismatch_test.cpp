// A member with other election settings is reported once, with the settings that differ and
// both values; only messages to such a member (and joins) carry the sender's settings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

std::vector<SettingsMismatch> mismatches(StepCluster& net, const std::string& node) {
  std::vector<SettingsMismatch> v;
  for (const auto& e : net.events(node)) {
    if (const auto* m = std::get_if<SettingsMismatch>(&e)) v.push_back(*m);
  }
  return v;
}

TEST(SettingsMismatch, EachSideReportsTheOtherOnceWithWhatDiffersAndBothValues) {
  StepCluster net({"a", "b", "c"});
  net.add(config("a", 1));
  net.add(config("b", 1));
  Config other = config("c", 3);
  other.election_delay = ms(250);
  net.add(other);
  net.run_for(ms(5000));

  const auto at_a = mismatches(net, "a");
  ASSERT_EQ(at_a.size(), 1u);
  EXPECT_EQ(at_a[0].member, "c");
  EXPECT_EQ(at_a[0].differs, (std::vector<ElectionSetting>{ElectionSetting::quorum_size,
                                                           ElectionSetting::election_delay}));
  EXPECT_EQ(at_a[0].member_settings.quorum_size, 3);
  EXPECT_EQ(at_a[0].member_settings.election_delay, ms(250));
  EXPECT_EQ(at_a[0].own_settings.quorum_size, 1);
  EXPECT_EQ(at_a[0].own_settings.election_delay, ms(100));
  EXPECT_EQ(at_a[0].own_settings.strategy, "uptime_high");

  const auto at_c = mismatches(net, "c");
  ASSERT_EQ(at_c.size(), 2u);  // a and b, once each
  for (const auto& m : at_c) {
    EXPECT_EQ(m.member_settings.quorum_size, 1) << m.member;
    EXPECT_EQ(m.own_settings.quorum_size, 3) << m.member;
  }
  EXPECT_NE(at_c[0].member, at_c[1].member);
  EXPECT_EQ(mismatches(net, "b").size(), 1u);
}

TEST(SettingsMismatch, OnlyMessagesToAMismatchedMemberAndJoinsCarryTheSettings) {
  StepCluster net({"a", "b", "c"});
  net.add(config("a", 1));
  net.add(config("b", 1));
  net.add(config("c", 2));
  net.run_for(ms(3000));
  int to_c = 0;
  for (const auto& l : net.message_log()) {
    const std::string& from = l.from;
    const core::Outgoing& m = l.msg;
    const bool carries = m.env.header.settings.has_value();
    if (m.to_name.empty()) {
      EXPECT_TRUE(carries) << from << " joins through a seed without its settings";
    } else if (from != "c" && m.to_name != "c") {
      EXPECT_FALSE(carries) << from << " to " << m.to_name;
    } else if (from != "c" && carries) {
      ++to_c;
    }
  }
  EXPECT_GT(to_c, 0);
}

}  // namespace
}  // namespace elector
