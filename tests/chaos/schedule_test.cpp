// The fault schedule: fixed by the seed, and consistent with the cluster it is played on.
#include "schedule.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace chaos {
namespace {

ScheduleParams params(std::uint64_t seed) {
  ScheduleParams p;
  p.seed = seed;
  p.nodes = 5;
  p.faults_from_ms = 3000;
  p.faults_until_ms = 50000;
  return p;
}

std::vector<std::string> lines(const std::vector<Action>& s) {
  std::vector<std::string> out;
  for (const auto& a : s) out.push_back(describe(a));
  return out;
}

TEST(ChaosSchedule, SameSeedSameScheduleOtherSeedOtherSchedule) {
  EXPECT_EQ(lines(make_schedule(params(42))), lines(make_schedule(params(42))));
  EXPECT_NE(lines(make_schedule(params(42))), lines(make_schedule(params(43))));
}

TEST(ChaosSchedule, EveryKindOfFaultHappensWithinTheWindow) {
  const auto s = make_schedule(params(1));
  std::set<ActionKind> kinds;
  std::int64_t last = 0;
  for (const auto& a : s) {
    kinds.insert(a.kind);
    EXPECT_GE(a.at_ms, 3000);
    EXPECT_LE(a.at_ms, 50000);
    EXPECT_GE(a.at_ms, last);
    last = a.at_ms;
  }
  EXPECT_EQ(kinds.size(), 7u);
  EXPECT_GT(s.size(), 40u);
}

// Replays the schedule on a model: each action applies to a node in the state it expects.
TEST(ChaosSchedule, ActionsFitTheStateOfTheirTarget) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto p = params(seed);
    enum S { running, frozen, down };
    std::vector<S> st(5, running);
    std::vector<std::int64_t> thawed(5, -100000);
    bool cut = false;
    for (const auto& a : make_schedule(p)) {
      const auto i = static_cast<std::size_t>(a.node < 0 ? 0 : a.node);
      switch (a.kind) {
        case ActionKind::kill:
          ASSERT_NE(st[i], down) << seed;
          if (st[i] == running) {
            EXPECT_GE(a.at_ms - thawed[i], 1000) << seed;
          }
          st[i] = down;
          break;
        case ActionKind::stop:
          ASSERT_EQ(st[i], running) << seed;
          st[i] = down;
          break;
        case ActionKind::freeze:
          ASSERT_EQ(st[i], running) << seed;
          st[i] = frozen;
          break;
        case ActionKind::thaw:
          ASSERT_EQ(st[i], frozen) << seed;
          st[i] = running;
          thawed[i] = a.at_ms;
          break;
        case ActionKind::restart:
          ASSERT_EQ(st[i], down) << seed;
          st[i] = running;
          break;
        case ActionKind::partition:
          ASSERT_FALSE(cut) << seed;
          ASSERT_GE(a.group.size(), 1u);
          ASSERT_LE(a.group.size(), 4u);
          cut = true;
          break;
        case ActionKind::heal:
          ASSERT_TRUE(cut) << seed;
          cut = false;
          break;
      }
      const auto not_running =
          std::count_if(st.begin(), st.end(), [](S s) { return s != running; });
      EXPECT_LE(not_running, p.max_down) << seed;
    }
  }
}

TEST(ChaosSchedule, SomeRestartsAfterAKillLoseTheirBindingsOthersKeepThem) {
  int lost = 0, kept = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::map<int, ActionKind> last_fault;
    for (const auto& a : make_schedule(params(seed))) {
      if (a.kind == ActionKind::kill || a.kind == ActionKind::stop) last_fault[a.node] = a.kind;
      if (a.kind != ActionKind::restart) {
        EXPECT_FALSE(a.lose_bindings) << describe(a);
        continue;
      }
      if (!a.lose_bindings) {
        ++kept;
        continue;
      }
      ++lost;
      EXPECT_EQ(last_fault[a.node], ActionKind::kill) << "seed " << seed << ": " << describe(a);
      EXPECT_NE(describe(a).find("(bindings lost)"), std::string::npos);
    }
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(kept, lost);
}

TEST(ChaosSchedule, NoRestartLosesItsBindingsWhenThatIsOff) {
  auto p = params(7);
  p.lose_bindings_one_in = 0;
  for (const auto& a : make_schedule(p)) EXPECT_FALSE(a.lose_bindings) << describe(a);
}

TEST(ChaosSchedule, NoPartitionsWhenTheyAreOff) {
  auto p = params(3);
  p.partitions = false;
  for (const auto& a : make_schedule(p)) {
    EXPECT_NE(a.kind, ActionKind::partition);
    EXPECT_NE(a.kind, ActionKind::heal);
  }
}

}  // namespace
}  // namespace chaos
