// The checker on synthetic runs: each check passes a correct run and fails a broken one.
#include "checks.hpp"

#include <gtest/gtest.h>

#include "run_builder.hpp"

namespace chaos {
namespace {

using test::ms;
using test::RunBuilder;

// box1 leads from 100 ms until it hands over at 1000 ms, box2 from 1005 ms to the end; every
// node sees each leader.
RunBuilder handover_run() {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.sees(101, "box2", "box1", 1);
  b.sees(101, "box3", "box1", 1);
  b.lost(1000, "box1", 1, 1000);
  b.acquired(1005, "box2", 2);
  b.sees(1006, "box1", "box2", 2);
  b.sees(1006, "box3", "box2", 2);
  return b;
}

TEST(ChaosCheck, CleanHandoverHasNoViolation) {
  auto b = handover_run();
  b.end_all(2000, 3);
  const auto r = check(b.build());
  EXPECT_EQ(r.violations(), 0);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.leaderships.size(), 2u);
  EXPECT_EQ(r.leaderships[0].to, ms(1000));
  // Never logged as lost: it ends when the harness saw the process exit.
  EXPECT_EQ(r.leaderships[1].to, ms(2002));
  EXPECT_EQ(r.leaderships[1].end, "exited");
  EXPECT_TRUE(r.agreed_at_end);
  EXPECT_EQ(r.end_leader, "box2");
}

TEST(ChaosCheck, TwoLeadersAtOnceAreAnOverlap) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.acquired(900, "box2", 2);  // box1 holds until 1000
  b.lost(1000, "box1", 1, 1000);
  b.end_all(2000, 3);
  const auto r = check(b.build());
  ASSERT_EQ(r.overlaps.size(), 1u);
  EXPECT_EQ(r.overlaps[0].ns, ms(1000) - ms(900));
  EXPECT_GT(r.violations(), 0);
}

// box1 leads from 100 ms and is frozen at 1000 ms; box2 leads from 1250 ms; box1, thawed at
// 2000 ms, logs the end of its lease at `lease_end`.
RunBuilder frozen_leader_run(double lease_end) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.proc(1000, "freeze", "box1");
  b.acquired(1250, "box2", 2);
  b.proc(2000, "thaw", "box1");
  b.lost(2001, "box1", 1, lease_end, "lease_expired");
  b.end_all(3000, 3);
  return b;
}

TEST(ChaosCheck, WithoutAMajorityQuorumTwoLeadersAreReportedNotCounted) {
  RunBuilder b(3, 1);
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.acquired(900, "box2", 1);
  b.lost(1000, "box1", 1, 1000);
  b.sees(1001, "box1", "box2", 1);
  b.sees(1001, "box3", "box2", 1);
  b.end_all(2000, 3);
  const auto r = check(b.build());
  EXPECT_EQ(r.overlaps.size(), 1u);
  EXPECT_EQ(r.term_order.size(), 1u);
  EXPECT_EQ(r.violations(), 0);
}

TEST(ChaosCheck, FrozenLeaderWhoseLeaseEndedWhileFrozenDoesNotOverlap) {
  EXPECT_TRUE(check(frozen_leader_run(1170).build()).overlaps.empty());
}

TEST(ChaosCheck, FrozenLeaderWhoseLeaseOutlivedTheNewLeaderOverlaps) {
  EXPECT_EQ(check(frozen_leader_run(1300).build()).overlaps.size(), 1u);
}

TEST(ChaosCheck, KilledLeaderEndsAtTheKill) {
  for (double next : {1010.0, 990.0}) {
    RunBuilder b;
    b.start_all(3);
    b.acquired(100, "box1", 1);
    b.killed(1000, "box1");
    b.acquired(next, "box2", 2);
    b.end_all(3000, 3);
    const auto r = check(b.build());
    EXPECT_EQ(r.overlaps.size(), next < 1000 ? 1u : 0u) << next;
    EXPECT_TRUE(r.crashes.empty());
    EXPECT_EQ(r.leaderships[0].end, "killed");
  }
}

TEST(ChaosCheck, LeaderKilledWhileFrozenEndsAtTheFreeze) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.proc(1000, "freeze", "box1");
  b.acquired(1250, "box2", 2);
  b.killed(1500, "box1");
  b.end_all(3000, 3);
  const auto r = check(b.build());
  EXPECT_TRUE(r.overlaps.empty());
  EXPECT_EQ(r.leaderships[0].to, ms(1000));
  EXPECT_EQ(r.leaderships[0].end, "killed_frozen");
}

TEST(ChaosCheck, RestartedNodeIsANewProcess) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 5);
  b.killed(1000, "box1");
  b.acquired(1100, "box2", 6);
  b.proc(1500, "start", "box1", 1);
  // The new process starts from nothing: an older term seen first is not a regression.
  b.event(1510, "box1", "election_finished", {{"leader", nullptr}, {"term", 0}}, 1);
  b.sees(1600, "box1", "box2", 6, 1);
  b.fault(3000, "run_end");
  for (auto [node, inc] : {std::pair{"box1", 1}, {"box2", 0}, {"box3", 0}}) {
    b.proc(3001, "term", node, inc);
    b.exit_code(3002, node, 0, inc);
  }
  const auto r = check(b.build());
  EXPECT_EQ(r.violations(), 1);  // box3 never named a leader: no agreement at the end
  EXPECT_TRUE(r.overlaps.empty());
  EXPECT_TRUE(r.regressions.empty());
  EXPECT_TRUE(r.crashes.empty());
}

TEST(ChaosCheck, TermGoingBackOnOneProcessIsARegression) {
  auto b = handover_run();
  b.sees(1500, "box3", "box1", 1);
  b.end_all(2000, 3);
  const auto r = check(b.build());
  ASSERT_EQ(r.regressions.size(), 1u);
  EXPECT_EQ(r.regressions[0].node, "box3");
  EXPECT_EQ(r.regressions[0].before, 2u);
  EXPECT_EQ(r.regressions[0].after, 1u);
}

TEST(ChaosCheck, LeadershipTermsMustGrow) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 3);
  b.lost(1000, "box1", 3, 1000);
  b.acquired(1100, "box2", 3);
  b.end_all(2000, 3);
  const auto r = check(b.build());
  EXPECT_EQ(r.term_order.size(), 1u);
  EXPECT_TRUE(r.overlaps.empty());
}

TEST(ChaosCheck, OnlyExitsTheHarnessCausedAreNotCrashes) {
  struct Case {
    bool killed, termed, signaled;
    int value;
    bool crash;
  };
  for (const auto& c : {Case{true, false, true, 9, false}, Case{false, true, false, 0, false},
                        Case{false, false, true, 11, true}, Case{false, false, true, 6, true},
                        Case{false, true, false, 1, true}, Case{false, false, false, 0, true},
                        Case{false, true, true, 15, true}}) {
    RunBuilder b(1, 1);
    b.proc(0, "start", "box1");
    b.acquired(10, "box1", 1);
    b.fault(500, "run_end");
    if (c.killed) b.proc(600, "kill", "box1");
    if (c.termed) b.proc(600, "term", "box1");
    if (c.signaled) {
      b.exit_signal(601, "box1", c.value);
    } else {
      b.exit_code(601, "box1", c.value);
    }
    const auto r = check(b.build());
    EXPECT_EQ(r.crashes.size(), c.crash ? 1u : 0u) << c.value;
  }
}

TEST(ChaosCheck, ProcessThatIgnoredSigtermIsACrash) {
  RunBuilder b(1, 1);
  b.proc(0, "start", "box1");
  b.fault(500, "run_end");
  b.proc(600, "term", "box1");
  b.fault(10600, "kill",
          {{"node", "box1"}, {"incarnation", 0}, {"pid", 100}, {"why", "stop_timeout"}});
  b.exit_signal(10601, "box1", 9);
  EXPECT_EQ(check(b.build()).crashes.size(), 1u);
}

TEST(ChaosCheck, LeaderlessTimeCountsOnlyWhileAQuorumIsConnected) {
  RunBuilder b;
  b.start_all(3);
  b.acquired(100, "box1", 1);
  b.sees(101, "box2", "box1", 1);
  b.sees(101, "box3", "box1", 1);
  b.killed(1000, "box1");
  // box2 and box3 are a quorum but elect no one until 1400 ms: 400 ms without a leader.
  b.acquired(1400, "box2", 2);
  b.sees(1401, "box3", "box2", 2);
  // Then a cut leaves no side with two nodes: a long gap that does not count.
  b.fault(2000, "partition", {{"groups", {{"box2"}, {"box3"}}}});
  b.lost(2200, "box2", 2, 2150, "lease_expired");
  b.fault(5000, "heal", {{"done_ns", ms(5000)}});
  b.acquired(5100, "box2", 3);
  b.sees(5101, "box3", "box2", 3);
  b.fault(6000, "run_end");
  for (auto node : {"box2", "box3"}) {
    b.proc(6001, "term", node);
    b.exit_code(6002, node, 0);
  }
  const auto r = check(b.build());
  EXPECT_EQ(r.violations(), 0);
  EXPECT_EQ(r.longest_leaderless.ns, ms(1400) - ms(1000));
  EXPECT_EQ(r.longest_leaderless.at, ms(1000) - ms(0));
  EXPECT_EQ(r.leaderless_ns, (ms(1400) - ms(1000)) + (ms(5100) - ms(5000)) + (ms(100) - ms(0)));
  EXPECT_EQ(r.longest_unagreed.ns, ms(1401) - ms(1000));  // until box3 names box2
}

TEST(ChaosCheck, NoAgreedLeaderAtTheEndIsAViolation) {
  auto b = handover_run();
  b.sees(1500, "box3", std::string("box1"), 3);  // box3 names a leader that is not leading
  b.end_all(2000, 3);
  auto r = check(b.build());
  EXPECT_FALSE(r.agreed_at_end);
  EXPECT_GE(r.violations(), 1);

  RunBuilder none;
  none.start_all(3);
  none.end_all(2000, 3);
  r = check(none.build());
  EXPECT_FALSE(r.agreed_at_end);
  EXPECT_EQ(r.violations(), 1);
  EXPECT_EQ(r.longest_leaderless.ns, ms(2000) - ms(0));
}

// After the final heal at 1000 ms, box2 is agreed from 1005 ms; box3 drops it at `drop` (a
// false suspicion, say) until run_end at 2000 ms.
RunBuilder quiet_run(double drop) {
  auto b = handover_run();
  b.fault(1000, "final_heal");
  b.sees(drop, "box3", std::nullopt, 2);
  b.end_all(2000, 3);
  return b;
}

TEST(ChaosCheck, ABriefDisagreementAtTheEndOfTheQuietPeriodIsNotALivenessFailure) {
  const auto r = check(quiet_run(1900).build());
  EXPECT_FALSE(r.agreed_at_end);
  EXPECT_TRUE(r.live);
  EXPECT_EQ(r.agreed_after_final_heal_ns, ms(1006) - ms(1000));
  EXPECT_NEAR(r.quiet_agreed_share, 0.894, 0.001);
  EXPECT_EQ(r.violations(), 0);
}

TEST(ChaosCheck, AgreementForLessThanHalfTheQuietPeriodIsALivenessFailure) {
  const auto r = check(quiet_run(1200).build());
  EXPECT_FALSE(r.live);
  EXPECT_EQ(r.violations(), 1);
}

TEST(ChaosCheck, UnreadableLinesAreProblems) {
  auto b = handover_run();
  b.fault_lines().push_back("{not json");
  b.end_all(2000, 3);
  const auto r = check(b.build());
  EXPECT_EQ(r.problems.size(), 1u);
  std::string problem;
  EXPECT_FALSE(
      parse_event(R"({"t_mono_ns":5,"node":"box1","event":"leadership_lost","term":1})", problem));
  EXPECT_FALSE(problem.empty());
}

TEST(ChaosCheck, ACutThatWasNotAppliedIsAProblem) {
  auto b = handover_run();
  b.fault(1500, "partition", {{"groups", {{"box1"}, {"box2", "box3"}}}, {"ok", false}});
  b.end_all(2000, 3);
  EXPECT_EQ(check(b.build()).problems.size(), 1u);
}

TEST(ChaosCheck, AMissingRunStartIsAProblem) {
  EXPECT_FALSE(check(parse_fault_log({})).problems.empty());
}

}  // namespace
}  // namespace chaos
