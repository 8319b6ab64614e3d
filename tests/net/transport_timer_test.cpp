// The arithmetic of the transport's one timer (net::WakePlan): which instant it waits for, when
// the idle sweep runs, and how the core's deadline is replaced.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/transport_timer.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace elector::net {
namespace {

using namespace std::chrono_literals;

const Time t0 = Time(1000s);

TEST(SweepPeriod, IsAQuarterOfTheIdleLimitAndAtLeastASecond) {
  EXPECT_EQ(sweep_period_for(60s), Duration(15s));
  EXPECT_EQ(sweep_period_for(8s), Duration(2s));
  EXPECT_EQ(sweep_period_for(2s), Duration(1s));
  EXPECT_EQ(sweep_period_for(0s), Duration(1s));
}

TEST(WakePlan, WaitsForNothingBeforeItStarts) {
  WakePlan plan(15s);
  EXPECT_EQ(plan.next(kNever), kNever);
  EXPECT_FALSE(plan.sweep_due(t0));
  EXPECT_FALSE(plan.take_sweep(t0));
  EXPECT_FALSE(plan.take_core(t0));
}

TEST(WakePlan, ASweepWakesTheProcessOnlyAWholePeriodOverdue) {
  WakePlan plan(15s);
  plan.start(t0);  // due at t0 + 15 s
  EXPECT_EQ(plan.next(kNever), t0 + 30s);
  EXPECT_FALSE(plan.sweep_due(t0 + 14s));
  EXPECT_TRUE(plan.sweep_due(t0 + 15s));
  // Anything that wakes the process earlier runs it, and the next one is a period later.
  EXPECT_TRUE(plan.take_sweep(t0 + 20s));
  EXPECT_FALSE(plan.take_sweep(t0 + 21s));
  EXPECT_EQ(plan.next(kNever), t0 + 50s);
}

TEST(WakePlan, WaitsForTheEarliestOfTheCoreTheSweepAndAuthentication) {
  WakePlan plan(15s);
  plan.start(t0);
  plan.core_wants(t0 + 3s, true);
  EXPECT_EQ(plan.next(kNever), t0 + 3s);
  EXPECT_EQ(plan.next(t0 + 2s), t0 + 2s);
  EXPECT_EQ(plan.next(t0 + 4s), t0 + 3s);
}

TEST(WakePlan, TheCoresNewestAnswerReplacesAnEarlierDeadline) {
  WakePlan plan(15s);
  plan.start(t0);
  plan.core_wants(t0 + 500ms, true);  // a probe's timeout
  plan.core_wants(t0 + 3s, true);     // its ack came: the next probe
  EXPECT_EQ(plan.next(kNever), t0 + 3s);
  plan.core_wants(kNever, true);
  EXPECT_EQ(plan.next(kNever), t0 + 30s);
}

TEST(WakePlan, AnAnswerFromAnotherThreadOnlyMovesTheDeadlineEarlier) {
  WakePlan plan(15s);
  plan.start(t0);
  plan.core_wants(t0 + 3s, true);
  plan.core_wants(t0 + 5s, false);
  EXPECT_EQ(plan.next(kNever), t0 + 3s);
  plan.core_wants(t0 + 1s, false);
  EXPECT_EQ(plan.next(kNever), t0 + 1s);
}

TEST(WakePlan, TheCoresDeadlineIsTakenOnceWhenItHasCome) {
  WakePlan plan(15s);
  plan.start(t0);
  plan.core_wants(t0 + 3s, true);
  EXPECT_FALSE(plan.take_core(t0 + 2s));
  EXPECT_TRUE(plan.take_core(t0 + 3s));
  EXPECT_FALSE(plan.take_core(t0 + 4s));
  EXPECT_EQ(plan.next(kNever), t0 + 30s);
}

}  // namespace
}  // namespace elector::net
