// A restarted voter must keep the promises its previous process gave: the class of bug in which a
// long campaign's vote outlives the restart's quiet period (docs/design.md §7, step 4).
//
// The schedule: box1 leads five nodes (quorum 3). box1 and box5 freeze, and every message is lost
// for a while, so box2's first campaign times out and its next one waits 6T, binding its voters for
// 7T. It wins with the votes of box3 and box4 and counts box4's vote until 6.5T after sending it.
// box4 crashes and starts again at once; a partition puts box2 and box3 on one side, box1, box4
// and box5 (thawed) on the other. Were box4 free after a fixed 4T, the other side would elect
// box1 while box2's lease still holds.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

sim::Options five_with_majority(std::uint64_t seed) {
  sim::Options o = options(5, seed);
  o.base.quorum_size = 3;
  o.base.strategy = "priority";
  return o;
}

std::uint64_t timed_out(Cluster& c, const std::string& name) {
  std::uint64_t n = 0;
  for (const auto& [kind, ends] : c.node(name)->election().campaign_counts().ended) {
    const auto it = ends.find(CampaignOutcome::timed_out);
    if (it != ends.end()) n += it->second;
  }
  return n;
}

/// Runs the schedule; `lose_state`: box4's restart finds no saved state. Sets `restarted` to the
/// instant of box4's restart.
void run_schedule(Cluster& c, bool lose_state, Time& restarted) {
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.run_for(ms(1000));
  c.freeze("box1");
  c.freeze("box5");
  c.set_loss(1.0);
  ASSERT_TRUE(c.run_until([&] { return timed_out(c, "box2") >= 1; }, ms(3000), ms(1)));
  c.set_loss(0.0);
  ASSERT_TRUE(c.run_until(
      [&] {
        const auto l = c.leaders_now();
        return l.size() == 1 && l.front() == "box2";
      },
      ms(3000), ms(1)));
  restarted = c.now();
  // No signal: box2 does not learn that box4's process ended before the partition.
  c.crash("box4", false);
  c.restart("box4", lose_state);
  c.partition({{"box2", "box3"}, {"box1", "box4", "box5"}});
  c.thaw("box1");
  c.thaw("box5");
  // Long enough for box2's lease to end and for the other side to elect.
  c.run_for(ms(5000));
}

TEST(RestartAmnesia, AVoterRestartedAfterALongCampaignKeepsItsVote) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Cluster c(five_with_majority(seed));
    c.set_tracing(false);
    Time restarted{};
    run_schedule(c, false, restarted);
    EXPECT_TRUE(c.invariants().violations().empty())
        << "seed " << seed << ": " << c.invariants().violations().front();
    // The schedule ran as meant: the side with a majority elected a leader of its own.
    EXPECT_EQ(c.leaders_now().size(), 1u) << "seed " << seed;
  }
}

TEST(RestartAmnesia, AVoterThatLostItsStateKeepsQuietForTheLongestBinding) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Cluster c(five_with_majority(seed));
    c.set_tracing(false);
    Time restarted{};
    run_schedule(c, true, restarted);
    EXPECT_TRUE(c.invariants().violations().empty())
        << "seed " << seed << ": " << c.invariants().violations().front();
    const core::Election& box4 = c.node("box4")->election();
    EXPECT_EQ(box4.quiet_until() - restarted, box4.timing().quiet_after_loss());
  }
}

}  // namespace
}  // namespace elector::test
