// The default quorum: a majority of the cluster's known size, which no partition shrinks
// (docs/design.md §7, "which N"), and availability mode when an explicit quorum is half or less.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

/// Forms a cluster of `n` with every setting at its default, splits it as `groups`, and runs long
/// enough for any side that can to elect.
Cluster& split(Cluster& c, const std::vector<std::vector<std::string>>& groups) {
  c.start_all();
  EXPECT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  c.run_for(ms(2000));
  c.partition(groups);
  c.run_for(ms(10000));
  return c;
}

TEST(DefaultQuorum, TwoTwoPartitionOfFourElectsNoOne) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Cluster c(options(4, seed));
    split(c, {{"box1", "box2"}, {"box3", "box4"}});
    EXPECT_TRUE(c.invariants().strict());
    EXPECT_TRUE(c.leaders_now().empty()) << "seed " << seed;
    EXPECT_TRUE(c.invariants().violations().empty()) << "seed " << seed;
    EXPECT_EQ(c.node("box1")->election().quorum(), 3u);
  }
}

TEST(DefaultQuorum, ThreeThreePartitionOfSixElectsNoOne) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Cluster c(options(6, seed));
    split(c, {{"box1", "box2", "box3"}, {"box4", "box5", "box6"}});
    EXPECT_TRUE(c.leaders_now().empty()) << "seed " << seed;
    EXPECT_TRUE(c.invariants().violations().empty()) << "seed " << seed;
  }
}

TEST(DefaultQuorum, ThreeTwoPartitionOfFiveElectsOnTheSideOfThree) {
  Cluster c(options(5));
  split(c, {{"box1", "box2"}, {"box3", "box4", "box5"}});
  const auto leaders = c.leaders_now();
  ASSERT_EQ(leaders.size(), 1u);
  EXPECT_TRUE(leaders.front() == "box3" || leaders.front() == "box4" || leaders.front() == "box5");
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(DefaultQuorum, TheKnownSizeSurvivesARestartAndALeave) {
  Cluster c(options(5));
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  c.run_for(ms(2000));
  EXPECT_EQ(c.node("box3")->election().cluster_size(), 5u);
  // Restarted and cut off from everyone at once: it still needs a majority of five.
  c.restart("box3");
  c.partition({{"box3"}, {"box1", "box2", "box4", "box5"}});
  EXPECT_EQ(c.node("box3")->election().cluster_size(), 5u);
  EXPECT_EQ(c.node("box3")->election().quorum(), 3u);
  c.run_for(ms(8000));
  EXPECT_EQ(c.node("box3")->role(), core::Role::follower);
  c.heal();
  // A member that fails still counts, and so does one that leaves: it may come back on the other
  // side of a partition that did not hear it leave.
  c.crash("box5", true);
  c.run_for(ms(8000));
  EXPECT_EQ(c.node("box1")->election().cluster_size(), 5u);
  c.stop("box4");
  c.run_for(ms(3000));
  EXPECT_EQ(c.node("box1")->election().cluster_size(), 5u);
  EXPECT_EQ(c.node("box1")->election().quorum(), 3u);
  EXPECT_TRUE(c.agreed_leader().has_value());
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(DefaultQuorum, ADeclaredClusterSizeNeedsItsMajorityFromTheFirstSecond) {
  sim::Options o = options(4);
  o.base.cluster_size = 5;
  Cluster c(o);
  c.start("box1");
  c.start("box2");
  c.run_for(ms(5000));
  EXPECT_TRUE(c.leaders_now().empty());  // 2 of a declared 5
  c.start("box3");
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(DefaultQuorum, AnExplicitQuorumOfHalfOrLessIsReportedAsAvailabilityMode) {
  sim::Options o = options(4);
  o.base.quorum_size = 2;
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  c.run_for(ms(1000));
  const auto reported = events_of<AvailabilityMode>(c, "box1");
  ASSERT_EQ(reported.size(), 1u);  // once, when the cluster grew to four
  EXPECT_EQ(reported.front().quorum, 2u);
  EXPECT_EQ(reported.front().cluster_size, 4u);
  EXPECT_TRUE(c.node("box1")->election().availability_mode());
  // The default never is.
  Cluster d(options(4));
  d.start_all();
  d.run_for(ms(3000));
  EXPECT_TRUE(events_of<AvailabilityMode>(d).empty());
}

}  // namespace
}  // namespace elector::test
