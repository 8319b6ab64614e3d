// The core's roles, member states and election results as the public API reports them: each
// maps to the public value of the same name, so what the control API, metrics and logs print is
// the text the core gives it.
#include "node/from_core.hpp"

#include <gtest/gtest.h>

#include <string>

namespace elector {
namespace {

TEST(FromCore, EveryRoleKeepsItsName) {
  for (const Role r : {Role::follower, Role::pre_candidate, Role::candidate, Role::leader}) {
    EXPECT_EQ(std::string(to_string(public_role(r))), to_string(r));
  }
  EXPECT_EQ(public_role(Role::pre_candidate), NodeRole::pre_candidate);
}

TEST(FromCore, EveryMemberStateKeepsItsName) {
  for (const MemberStatus s :
       {MemberStatus::alive, MemberStatus::suspect, MemberStatus::dead, MemberStatus::left}) {
    EXPECT_EQ(std::string(to_string(public_state(s))), to_string(s));
  }
  std::string listed;
  for (const MemberState s : kMemberStates) listed += std::string(to_string(s)) + " ";
  EXPECT_EQ(listed, "alive suspect dead left ");
}

TEST(FromCore, EveryElectOutcomeKeepsItsName) {
  EXPECT_EQ(public_result(ElectOutcome::started), ElectResult::started);
  EXPECT_EQ(public_result(ElectOutcome::quorum_not_met), ElectResult::quorum_not_met);
  EXPECT_EQ(public_result(ElectOutcome::stopped), ElectResult::stopped);
  EXPECT_STREQ(to_string(ElectResult::started), "started");
  EXPECT_STREQ(to_string(ElectResult::quorum_not_met), "quorum_not_met");
  EXPECT_STREQ(to_string(ElectResult::stopped), "stopped");
}

}  // namespace
}  // namespace elector
