// Safety rules of docs/design.md §7 shown on whole simulated clusters, each where a one-line
// change to the rule would break it (scripts/mutate.sh, docs/testing.md "Mutation testing of the
// safety rules"): every test below fails with the rule it names broken.
#include <gtest/gtest.h>

#include <string>

#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

/// `nodes` nodes with a majority quorum, ranked by priority: box1 leads, then box2...
sim::Options ranked(int nodes, std::uint64_t seed = 1) {
  sim::Options o = options(nodes, seed);
  o.base.quorum_size = nodes / 2 + 1;
  o.base.strategy = "priority";
  return o;
}

// Rule: a node whose save failed gives no vote and acknowledges no heartbeat until a save
// succeeds (refusal `unsaved`): what it promised would not be on disk, and a restart would not
// keep it (docs/design.md §7, claim 1, step 4). Here box3's disk is full when box1 dies: box2
// needs box3's vote and must not get it until box3 can save again.
TEST(SafetyRules, ANodeThatCannotSaveGivesNoVoteUntilItCan) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Cluster c(ranked(3, seed));
    c.start_all();
    ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
    c.set_disk_full("box3", true);
    // A watcher saves its promise's end about every 4T: the first such save fails.
    ASSERT_TRUE(c.run_until([&] { return !c.node("box3")->election().durable_ok(); }, ms(2000)))
        << "seed " << seed;
    c.crash("box1");
    EXPECT_FALSE(c.run_until([&] { return !c.leaders_now().empty(); }, ms(2000)))
        << "seed " << seed << ": " << c.leaders_now().front() << " leads on box3's unsaved vote";
    const auto& refusals = c.node("box2")->election().campaign_counts().refusals;
    EXPECT_GT(refusals.count(Refusal::unsaved) ? refusals.at(Refusal::unsaved) : 0, 0u)
        << "seed " << seed;
    // The disk has room again: box3 saves, then votes, and box2 leads.
    c.set_disk_full("box3", false);
    EXPECT_TRUE(c.run_until([&] { return agreed_on(c, "box2"); }, ms(5000))) << "seed " << seed;
    EXPECT_TRUE(c.invariants().violations().empty()) << c.invariants().violations().front();
  }
}

// Rule: a campaign counts only the answers that arrive before its deadline; the voters' binding
// (4T from receipt) outlasts it, so no voter can have backed anyone since (docs/design.md §7,
// claim 2). Here box2 is frozen right after it asks for votes and thawed when the others have
// elected box3 in a newer term: the answers waiting for it are too old to make it leader.
TEST(SafetyRules, AnswersThatArriveAfterTheCampaignsDeadlineDoNotCount) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Cluster c(ranked(5, seed));
    c.start_all();
    ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
    c.crash("box1");  // box2, ranking next, campaigns at once
    ASSERT_TRUE(c.run_until(
        [&] { return c.node("box2")->election().role() == core::Role::candidate; }, ms(1000)));
    c.freeze("box2");
    ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box3"); }, ms(5000))) << "seed " << seed;
    const std::uint64_t acquired = c.acquisitions();
    c.thaw("box2");
    c.run_for(ms(100));
    EXPECT_TRUE(c.invariants().violations().empty())
        << "seed " << seed << ": " << c.invariants().violations().front();
    EXPECT_EQ(c.acquisitions(), acquired) << "seed " << seed;
  }
}

// Rule: a process that starts with its state lost keeps quiet for the longest binding (25T), and
// saves that quiet period before anything else: should it restart again during it, its next
// process, finding the state kept, stays quiet as long (docs/design.md §7, claim 1, step 4).
TEST(SafetyRules, AQuietPeriodSurvivesAnotherRestartDuringIt) {
  Cluster c(ranked(3));
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.restart("box3", true);
  const Time quiet_end = c.node("box3")->election().quiet_until();
  ASSERT_EQ(quiet_end - c.now(), c.node("box3")->election().timing().quiet_after_loss());
  c.run_for(ms(500));
  c.restart("box3");
  EXPECT_GE(to_ms(c.node("box3")->election().quiet_until() - quiet_end), 0);
}

// Rule: a leader whose save fails steps down at once (LeadershipLost "unsaved"), and leads again
// only once a save succeeds: a leadership whose term is not on disk could be given a second time
// by its own next process (docs/design.md §7, claim 1, step 4). A member joining makes the leader
// save the cluster's new known size.
TEST(SafetyRules, ALeaderThatCannotSaveStepsDownAtOnce) {
  sim::Options o = ranked(4);
  o.base.quorum_size = 0;  // the default: a majority of the known size, which box4 raises
  Cluster c(o);
  for (const char* n : {"box1", "box2", "box3"}) c.start(n);
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.set_disk_full("box1", true);
  c.start("box4");
  ASSERT_TRUE(c.run_until([&] { return !events_of<LeadershipLost>(c, "box1").empty(); }, ms(2000)));
  // Not lease_expired: a leader that can no longer save does not wait for its lease to run out.
  EXPECT_EQ(events_of<LeadershipLost>(c, "box1").front().reason, LossReason::unsaved);
  EXPECT_FALSE(c.node("box1")->election().durable_ok());
  c.set_disk_full("box1", false);
  EXPECT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(10000)));
  EXPECT_TRUE(c.invariants().violations().empty()) << c.invariants().violations().front();
}

// Rule: a process that lost its state does not campaign while it keeps quiet: its own vote, the
// first one a campaign counts, would break a promise its previous process may still owe
// (docs/design.md §7, claim 1, step 4). Alone, box1 would otherwise win at once.
TEST(SafetyRules, AProcessThatLostItsStateCampaignsOnlyOnceItsQuietEnds) {
  Cluster c(ranked(1));
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.crash("box1");
  c.restart("box1", true);
  const Time quiet_end = c.node("box1")->election().quiet_until();
  ASSERT_GT(quiet_end, c.now());
  const std::uint64_t acquired = c.acquisitions();
  c.run_until(quiet_end - ms(1));
  EXPECT_EQ(c.acquisitions(), acquired) << "box1 led while it had to keep quiet";
  EXPECT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
}

}  // namespace
}  // namespace elector::test
