// The lease rule as a table: the q-th latest support end, and how a lease end is settled.
#include "core/lease_quorum.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace elector {
namespace {

Time at(int ms_) {
  return Time(ms(ms_));
}

struct LeaseCase {
  const char* what;
  std::size_t q;
  std::vector<int> ends_ms;
  int want_ms;  // -1: Time{} (the lease is over)
};

TEST(LeaseQuorum, TheQthLatestEnd) {
  const std::vector<LeaseCase> cases = {
      {"alone, q = 1: its own end", 1, {350}, 350},
      {"q = 1 takes the latest", 1, {100, 350, 200}, 350},
      {"q = 2 takes the second latest", 2, {100, 350, 200}, 200},
      {"q = 3 of three takes the earliest", 3, {100, 350, 200}, 100},
      {"fewer than q: over", 3, {350, 200}, -1},
      {"nobody, q = 1: over", 1, {}, -1},
      {"equal ends count each", 2, {300, 300, 100}, 300},
      {"q = 0 is taken as 1", 0, {100, 200}, 200},
      {"q = 3 of five", 3, {500, 100, 400, 200, 300}, 300},
  };
  for (const auto& c : cases) {
    core::LeaseQuorum l(c.q);
    for (int e : c.ends_ms) l.add(at(e));
    EXPECT_EQ(l.end(), c.want_ms < 0 ? Time{} : at(c.want_ms)) << c.what;
  }
}

struct SettleCase {
  const char* what;
  int computed_ms, previous_ms, now_ms, want_ms;
};

TEST(LeaseQuorum, ASettledLeaseNeverEndsBeforeNow) {
  const std::vector<SettleCase> cases = {
      {"renewed: the new end", 500, 300, 200, 500},
      {"shortened but still ahead: the new end", 250, 300, 200, 250},
      {"ends now exactly: the new end", 200, 300, 200, 200},
      {"a supporter lost, end in the past: now", 100, 300, 200, 200},
      {"late tick after a freeze: when it stood to end", 100, 150, 200, 150},
      {"fewer than q (Time{}), lease was running: now", -1, 300, 200, 200},
      {"fewer than q, lease long over: the old end", -1, 50, 200, 50},
  };
  for (const auto& c : cases) {
    const Time computed = c.computed_ms < 0 ? Time{} : at(c.computed_ms);
    EXPECT_EQ(core::settle_lease_end(computed, at(c.previous_ms), at(c.now_ms)), at(c.want_ms))
        << c.what;
  }
}

}  // namespace
}  // namespace elector
