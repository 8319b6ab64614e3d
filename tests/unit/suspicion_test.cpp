// Lifeguard's dynamic suspicion timeout.
#include <gtest/gtest.h>

#include <string>

#include "core/suspicion.hpp"

namespace elector {
namespace {

const Time kT0 = Time(std::chrono::hours(1));
const Duration kMin = ms(4000);
const Duration kMax = ms(24000);

TEST(Suspicion, NoExpectedConfirmationsUsesTheMinimumAtOnce) {
  core::Suspicion s("a", 0, kMin, kMax, kT0);
  EXPECT_EQ(s.deadline(), kT0 + kMin);
  EXPECT_EQ(s.confirmations(), 0);
  EXPECT_TRUE(s.confirm("b"));
  EXPECT_EQ(s.deadline(), kT0 + kMin);
  EXPECT_EQ(s.confirmations(), 1);
}

TEST(Suspicion, StartsAtTheMaximum) {
  core::Suspicion s("a", 3, kMin, kMax, kT0);
  EXPECT_EQ(s.deadline(), kT0 + kMax);
  EXPECT_EQ(s.confirmations(), 0);
}

TEST(Suspicion, ShrinksWithEachDistinctConfirmerDownToTheMinimum) {
  core::Suspicion s("a", 3, kMin, kMax, kT0);
  Time prev = s.deadline();
  for (const char* who : {"b", "c", "d"}) {
    ASSERT_TRUE(s.confirm(who)) << who;
    EXPECT_LT(s.deadline(), prev) << who;
    EXPECT_GE(s.deadline(), kT0 + kMin) << who;
    prev = s.deadline();
  }
  EXPECT_EQ(s.confirmations(), 3);
  EXPECT_EQ(s.deadline(), kT0 + kMin);
  // More confirmations than expected never go below the minimum.
  for (const char* who : {"e", "f", "g", "h"}) {
    ASSERT_TRUE(s.confirm(who)) << who;
    EXPECT_EQ(s.deadline(), kT0 + kMin) << who;
  }
}

TEST(Suspicion, ShrinksLogarithmically) {
  // One of three confirmations: log(2)/log(4) = half of the span is removed.
  core::Suspicion s("a", 3, kMin, kMax, kT0);
  ASSERT_TRUE(s.confirm("b"));
  const Time expected = kT0 + kMax - (kMax - kMin) / 2;
  EXPECT_LE(s.deadline(), expected + ms(1));
  EXPECT_GE(s.deadline(), expected - ms(1));
}

TEST(Suspicion, SameAccuserTwiceChangesNothing) {
  core::Suspicion s("a", 3, kMin, kMax, kT0);
  ASSERT_TRUE(s.confirm("b"));
  const Time d = s.deadline();
  EXPECT_FALSE(s.confirm("b"));
  EXPECT_EQ(s.deadline(), d);
  EXPECT_EQ(s.confirmations(), 1);
  // The original accuser does not count as a confirmation either.
  EXPECT_FALSE(s.confirm("a"));
  EXPECT_EQ(s.deadline(), d);
  EXPECT_EQ(s.confirmations(), 1);
}

TEST(Suspicion, MaxBelowMinIsRaisedToMin) {
  core::Suspicion s("a", 3, kMin, ms(1000), kT0);
  EXPECT_EQ(s.deadline(), kT0 + kMin);
  ASSERT_TRUE(s.confirm("b"));
  EXPECT_EQ(s.deadline(), kT0 + kMin);
}

TEST(Suspicion, NegativeExpectedActsAsZero) {
  core::Suspicion s("a", -2, kMin, kMax, kT0);
  EXPECT_EQ(s.deadline(), kT0 + kMin);
}

TEST(Suspicion, DeadlineIsRelativeToStart) {
  const Time start = kT0 + ms(12345);
  core::Suspicion s("a", 3, kMin, kMax, start);
  EXPECT_EQ(s.deadline(), start + kMax);
  for (const char* who : {"b", "c", "d"}) ASSERT_TRUE(s.confirm(who));
  EXPECT_EQ(s.deadline(), start + kMin);
}

}  // namespace
}  // namespace elector
