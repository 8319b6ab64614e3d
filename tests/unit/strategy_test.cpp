// The built-in election strategies and ranks_before's tie-breaking.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "elector/strategy.hpp"

namespace elector {
namespace {

const Time kT0 = Time(std::chrono::hours(1));

CandidateInfo cand(std::string name, Time started = kT0, std::int64_t runtime_ms = 0,
                   std::int64_t priority = 0) {
  CandidateInfo c;
  c.name = std::move(name);
  c.started = started;
  c.runtime_ms = runtime_ms;
  c.priority = priority;
  return c;
}

TEST(Strategy, BuiltinsReportTheirName) {
  for (const char* n : {"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}) {
    auto s = make_strategy(n);
    ASSERT_NE(s, nullptr) << n;
    EXPECT_EQ(std::string(s->name()), std::string(n));
  }
}

TEST(Strategy, NameDoesNotDependOnTheArgumentsStorage) {
  // The strategy outlives the string it was made from (e.g. a Config that is changed or gone).
  std::string n = "priority";
  auto s = make_strategy(n);
  ASSERT_NE(s, nullptr);
  n = "xxxxxxxx";
  EXPECT_EQ(std::string(s->name()), "priority");
}

TEST(Strategy, UnknownNameGivesNull) {
  EXPECT_EQ(make_strategy("uptime"), nullptr);
  EXPECT_EQ(make_strategy(""), nullptr);
  EXPECT_EQ(make_strategy("PRIORITY"), nullptr);
}

TEST(Strategy, UptimeHighPrefersEarlierStart) {
  auto s = make_strategy("uptime_high");
  ASSERT_NE(s, nullptr);
  // "z" started earlier (longer uptime), so it wins despite its larger name.
  const auto old = cand("z", kT0);
  const auto young = cand("a", kT0 + ms(500));
  EXPECT_TRUE(s->better(old, young));
  EXPECT_FALSE(s->better(young, old));
  EXPECT_TRUE(ranks_before(*s, old, young));
  EXPECT_FALSE(ranks_before(*s, young, old));
}

TEST(Strategy, UptimeLowPrefersLaterStart) {
  auto s = make_strategy("uptime_low");
  ASSERT_NE(s, nullptr);
  const auto old = cand("a", kT0);
  const auto young = cand("z", kT0 + ms(500));
  EXPECT_TRUE(s->better(young, old));
  EXPECT_FALSE(s->better(old, young));
  EXPECT_TRUE(ranks_before(*s, young, old));
  EXPECT_FALSE(ranks_before(*s, old, young));
}

TEST(Strategy, RuntimeHighPrefersMoreCpu) {
  auto s = make_strategy("runtime_high");
  ASSERT_NE(s, nullptr);
  const auto busy = cand("z", kT0, 900);
  const auto idle = cand("a", kT0, 10);
  EXPECT_TRUE(s->better(busy, idle));
  EXPECT_FALSE(s->better(idle, busy));
  EXPECT_TRUE(ranks_before(*s, busy, idle));
  EXPECT_FALSE(ranks_before(*s, idle, busy));
}

TEST(Strategy, RuntimeLowPrefersLessCpu) {
  auto s = make_strategy("runtime_low");
  ASSERT_NE(s, nullptr);
  const auto busy = cand("a", kT0, 900);
  const auto idle = cand("z", kT0, 10);
  EXPECT_TRUE(s->better(idle, busy));
  EXPECT_FALSE(s->better(busy, idle));
  EXPECT_TRUE(ranks_before(*s, idle, busy));
  EXPECT_FALSE(ranks_before(*s, busy, idle));
}

TEST(Strategy, PriorityOneBeatsTwo) {
  auto s = make_strategy("priority");
  ASSERT_NE(s, nullptr);
  const auto p1 = cand("z", kT0 + ms(999), 0, 1);
  const auto p2 = cand("a", kT0, 1000, 2);
  EXPECT_TRUE(s->better(p1, p2));
  EXPECT_FALSE(s->better(p2, p1));
  EXPECT_TRUE(ranks_before(*s, p1, p2));
  EXPECT_FALSE(ranks_before(*s, p2, p1));
}

TEST(Strategy, PriorityIgnoresUptimeAndRuntime) {
  auto s = make_strategy("priority");
  ASSERT_NE(s, nullptr);
  const auto a = cand("a", kT0, 0, 5);
  const auto b = cand("b", kT0 + ms(10000), 99999, 5);
  EXPECT_FALSE(s->better(a, b));
  EXPECT_FALSE(s->better(b, a));
}

TEST(Strategy, RanksBeforeBreaksTiesByName) {
  for (const char* n : {"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}) {
    auto s = make_strategy(n);
    ASSERT_NE(s, nullptr);
    const auto a = cand("alpha", kT0, 7, 3);
    const auto b = cand("beta", kT0, 7, 3);
    EXPECT_TRUE(ranks_before(*s, a, b)) << n;
    EXPECT_FALSE(ranks_before(*s, b, a)) << n;
    // Irreflexive: a candidate never ranks before itself.
    EXPECT_FALSE(ranks_before(*s, a, a)) << n;
  }
}

TEST(Strategy, StrategyDecidesBeforeName) {
  auto s = make_strategy("uptime_high");
  ASSERT_NE(s, nullptr);
  const auto a = cand("a", kT0 + ms(1));
  const auto b = cand("b", kT0);
  EXPECT_TRUE(ranks_before(*s, b, a));
  EXPECT_FALSE(ranks_before(*s, a, b));
}

/// Prefers the longest name; equal lengths are ties.
class LongestName final : public Strategy {
 public:
  [[nodiscard]] std::string_view name() const override { return "longest_name"; }
  [[nodiscard]] bool better(const CandidateInfo& a, const CandidateInfo& b) const override {
    return a.name.size() > b.name.size();
  }
};

TEST(Strategy, CustomStrategyWorksThroughRanksBefore) {
  const LongestName s;
  const auto shrt = cand("a");
  const auto lng = cand("zzz");
  EXPECT_TRUE(ranks_before(s, lng, shrt));
  EXPECT_FALSE(ranks_before(s, shrt, lng));
  // A tie under the custom ordering falls back to names.
  const auto x = cand("bb");
  const auto y = cand("cc");
  EXPECT_TRUE(ranks_before(s, x, y));
  EXPECT_FALSE(ranks_before(s, y, x));

  std::vector<CandidateInfo> v{cand("b"), cand("ccc"), cand("aa"), cand("a"), cand("dd")};
  std::sort(v.begin(), v.end(),
            [&](const CandidateInfo& l, const CandidateInfo& r) { return ranks_before(s, l, r); });
  std::vector<std::string> names;
  for (const auto& c : v) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ccc", "aa", "dd", "a", "b"}));
}

std::int64_t rng_value(core::Rng& rng, std::uint64_t n) {
  return static_cast<std::int64_t>(rng.below(n));
}

void shuffle(std::vector<CandidateInfo>& v, core::Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

std::vector<std::string> sorted_names(std::vector<CandidateInfo> v, const Strategy& s) {
  std::sort(v.begin(), v.end(),
            [&](const CandidateInfo& l, const CandidateInfo& r) { return ranks_before(s, l, r); });
  std::vector<std::string> names;
  names.reserve(v.size());
  for (const auto& c : v) names.push_back(c.name);
  return names;
}

TEST(Strategy, SortingThousandCandidatesIsDeterministic) {
  core::Rng gen(12345);
  std::vector<CandidateInfo> v;
  for (int i = 0; i < 1000; ++i) {
    // Few distinct values, so many candidates tie on the strategy's criterion.
    v.push_back(cand("node-" + std::to_string(i), kT0 + ms(rng_value(gen, 10)),
                     rng_value(gen, 5) * 100, rng_value(gen, 4) + 1));
  }
  for (const char* n : {"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}) {
    auto s = make_strategy(n);
    ASSERT_NE(s, nullptr);
    const auto reference = sorted_names(v, *s);
    ASSERT_EQ(reference.size(), 1000u);
    // Each neighbour pair is in order and the order is strict (no duplicates ranked equal).
    std::vector<CandidateInfo> sorted = v;
    std::sort(sorted.begin(), sorted.end(), [&](const CandidateInfo& l, const CandidateInfo& r) {
      return ranks_before(*s, l, r);
    });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      ASSERT_TRUE(ranks_before(*s, sorted[i - 1], sorted[i])) << n << " at " << i;
    }
    core::Rng perm(99);
    for (int round = 0; round < 20; ++round) {
      std::vector<CandidateInfo> w = v;
      shuffle(w, perm);
      ASSERT_EQ(sorted_names(w, *s), reference) << n << " round " << round;
    }
    std::vector<CandidateInfo> rev(v.rbegin(), v.rend());
    EXPECT_EQ(sorted_names(rev, *s), reference) << n;
  }
}

}  // namespace
}  // namespace elector
