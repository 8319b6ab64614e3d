#include "ctl/agreement.hpp"

#include <gtest/gtest.h>

namespace elector::ctl {
namespace {

LeaderSighting sees(const std::string& box, const char* leader, bool is_leader = false) {
  LeaderSighting s;
  s.box = box;
  s.answered = true;
  if (leader) s.leader = leader;
  s.is_leader = is_leader;
  return s;
}

LeaderSighting silent(const std::string& box) {
  LeaderSighting s;
  s.box = box;
  return s;
}

TEST(Agreement, AllNameALeaderThatKnowsItLeads) {
  const std::vector<LeaderSighting> running = {sees("box1", "box1", true), sees("box2", "box1"),
                                               sees("box3", "box1")};
  EXPECT_EQ(agreed_leader(running, 3, std::nullopt), "box1");
  EXPECT_EQ(agreed_leader(running, 3, std::string("box1")), "box1");
  EXPECT_FALSE(agreed_leader(running, 3, std::string("box2")));
}

TEST(Agreement, OneDissenterOrSilentBoxIsNoAgreement) {
  EXPECT_FALSE(
      agreed_leader({sees("box1", "box1", true), sees("box2", "box2", true)}, 2, std::nullopt));
  EXPECT_FALSE(agreed_leader({sees("box1", "box1", true), silent("box2")}, 2, std::nullopt));
  EXPECT_FALSE(agreed_leader({sees("box1", nullptr), sees("box2", nullptr)}, 2, std::nullopt));
  EXPECT_FALSE(agreed_leader({}, 2, std::nullopt));
}

TEST(Agreement, ALeaderThatIsNotRunningOrDoesNotLeadIsNotAgreedOn) {
  // box1 was just frozen: the others still name it.
  EXPECT_FALSE(agreed_leader({sees("box2", "box1"), sees("box3", "box1")}, 3, std::nullopt));
  // box1 runs but its lease is not (yet) held.
  EXPECT_FALSE(agreed_leader({sees("box1", "box1", false), sees("box2", "box1")}, 2, std::nullopt));
  // A leader outside this cluster's boxes is taken on the others' word.
  EXPECT_EQ(agreed_leader({sees("box1", "db7"), sees("box2", "db7")}, 2, std::nullopt), "db7");
  // box9 is not one of 2 boxes here.
  EXPECT_EQ(agreed_leader({sees("box1", "box9"), sees("box2", "box9")}, 2, std::nullopt), "box9");
}

LeaderSighting without_quorum(LeaderSighting s) {
  s.quorum_met = false;
  return s;
}

TEST(Agreement, NoAgreementWhileAQuorumIsMissing) {
  // quorum_size 3 of 5 and three boxes just killed: box1's lease still runs and both survivors
  // name it, but neither has its quorum.
  const std::vector<LeaderSighting> two_of_five = {without_quorum(sees("box1", "box1", true)),
                                                   without_quorum(sees("box2", "box1"))};
  EXPECT_FALSE(agreed_leader(two_of_five, 5, std::nullopt));
  EXPECT_FALSE(agreed_leader(two_of_five, 5, std::string("box1")));
  // One box without its quorum is enough, the leader's or a follower's.
  EXPECT_FALSE(agreed_leader(
      {without_quorum(sees("box1", "box1", true)), sees("box2", "box1"), sees("box3", "box1")}, 3,
      std::nullopt));
  EXPECT_FALSE(agreed_leader(
      {sees("box1", "box1", true), sees("box2", "box1"), without_quorum(sees("box3", "box1"))}, 3,
      std::nullopt));
  // Also for a leader outside this cluster's boxes, taken on the others' word.
  EXPECT_FALSE(
      agreed_leader({sees("box1", "db7"), without_quorum(sees("box2", "db7"))}, 2, std::nullopt));
}

TEST(Agreement, TheLeaderMustSayItsRoleIsLeader) {
  auto leader = sees("box1", "box1", true);
  leader.role = "follower";
  EXPECT_FALSE(agreed_leader({leader, sees("box2", "box1")}, 2, std::nullopt));
  leader.role = "leader";
  EXPECT_EQ(agreed_leader({leader, sees("box2", "box1")}, 2, std::nullopt), "box1");
  // An answer without a role is judged on is_leader alone.
  leader.role.clear();
  EXPECT_EQ(agreed_leader({leader, sees("box2", "box1")}, 2, std::nullopt), "box1");
}

TEST(Agreement, MostSeenLeader) {
  EXPECT_EQ(most_seen_leader({sees("box1", "box2"), sees("box2", "box1"), sees("box3", "box1"),
                              silent("box4"), sees("box5", nullptr)}),
            "box1");
  EXPECT_EQ(most_seen_leader({sees("box1", "box2"), sees("box2", "box1")}), "box2");
  EXPECT_FALSE(most_seen_leader({silent("box1"), sees("box2", nullptr)}));
}

}  // namespace
}  // namespace elector::ctl
