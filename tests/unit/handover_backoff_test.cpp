#include "core/handover_backoff.hpp"

#include <gtest/gtest.h>

namespace elector {
namespace {

const Time t0 = Time(std::chrono::hours(1));

TEST(HandoverBackoff, EachFailureDoublesThePauseUpToTheLongest) {
  core::HandoverBackoff b(ms(1000), 5);
  EXPECT_EQ(b.pause(1), ms(1000));
  EXPECT_EQ(b.pause(2), ms(2000));
  EXPECT_EQ(b.pause(3), ms(4000));
  EXPECT_EQ(b.pause(4), ms(5000));
  EXPECT_EQ(b.pause(60), ms(5000));  // no overflow however many

  b.failed(t0, "a");
  EXPECT_TRUE(b.passed_over(t0 + ms(999), "a"));
  EXPECT_FALSE(b.passed_over(t0 + ms(1000), "a"));
  b.failed(t0 + ms(1500), "a");
  EXPECT_TRUE(b.passed_over(t0 + ms(3499), "a"));
  EXPECT_FALSE(b.passed_over(t0 + ms(3500), "a"));
  EXPECT_FALSE(b.passed_over(t0, "b"));
}

TEST(HandoverBackoff, AnEndedPauseIsReportedOnce) {
  core::HandoverBackoff b(ms(1000), 8);
  EXPECT_EQ(b.next_end(), kNever);
  b.failed(t0, "b");
  b.failed(t0 + ms(100), "a");
  EXPECT_EQ(b.next_end(), t0 + ms(1000));
  EXPECT_TRUE(b.take_ended(t0 + ms(999)).empty());
  EXPECT_EQ(b.take_ended(t0 + ms(1000)), std::vector<std::string>{"b"});
  EXPECT_EQ(b.next_end(), t0 + ms(1100));
  EXPECT_EQ(b.take_ended(t0 + ms(5000)), std::vector<std::string>{"a"});
  EXPECT_TRUE(b.take_ended(t0 + ms(6000)).empty());
  EXPECT_EQ(b.next_end(), kNever);
  // A new failure starts a new pause, twice as long, reported again when it ends.
  b.failed(t0 + ms(6000), "a");
  EXPECT_EQ(b.next_end(), t0 + ms(8000));
  EXPECT_EQ(b.take_ended(t0 + ms(8000)), std::vector<std::string>{"a"});
}

TEST(HandoverBackoff, ForgettingStartsOver) {
  core::HandoverBackoff b(ms(1000), 8);
  b.failed(t0, "a");
  b.failed(t0, "a");
  b.forget("a");
  EXPECT_FALSE(b.passed_over(t0, "a"));
  EXPECT_EQ(b.size(), 0u);
  b.failed(t0, "a");
  EXPECT_FALSE(b.passed_over(t0 + ms(1000), "a"));  // the first pause again, not the third
}

}  // namespace
}  // namespace elector
