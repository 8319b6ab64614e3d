// Protocol scenarios on a simulated cluster that are not scenario scripts (tests/sim/testdata,
// docs/testing.md): each checks a rule over every event of a random fault run, where a golden
// trace would be thousands of lines. Every run checks the invariants after each step.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/faults.hpp"
#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

TEST(Scenario, CallbacksFireExactlyWhenTheyShould) {
  auto o = options(5);
  o.base.quorum_size = 3;
  Cluster c(o);
  c.start_all();
  c.run_for(ms(2000));
  sim::FaultOptions fo;
  fo.duration = ms(20000);
  sim::inject_faults(c, 7, fo);
  c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000));
  // Per process (node and boot): a restarted node starts with nothing seen.
  using Proc = std::pair<std::string, std::uint64_t>;
  // LeaderChanged reports a change of (leader, term): the same node in a newer term is a new
  // leadership (a frozen follower can see box3's term 12 and then its term 15 in one step).
  std::map<Proc, std::pair<std::optional<std::string>, std::uint64_t>> seen;
  std::map<Proc, bool> leading;
  std::map<std::string, std::set<std::uint64_t>> won;
  int changes = 0;
  for (const auto& t : c.trace()) {
    const Proc p{t.node, t.boot};
    if (const auto* lc = std::get_if<LeaderChanged>(&t.event)) {
      auto it = seen.find(p);
      const std::pair<std::optional<std::string>, std::uint64_t> now_seen{lc->leader, lc->term};
      if (it != seen.end()) {
        EXPECT_NE(it->second, now_seen) << "repeated leader_changed";
      }
      seen[p] = now_seen;
      ++changes;
    } else if (const auto* a = std::get_if<LeadershipAcquired>(&t.event)) {
      EXPECT_FALSE(leading[p]);
      EXPECT_TRUE(won[t.node].insert(a->term).second) << "on_elected twice for one term";
      leading[p] = true;
    } else if (std::get_if<LeadershipLost>(&t.event)) {
      EXPECT_TRUE(leading[p]) << "on_demoted on a node that did not lead";
      leading[p] = false;
    }
  }
  EXPECT_GT(changes, 10);
  EXPECT_GT(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, SameSeedReplaysExactly) {
  auto run = [](std::uint64_t seed) {
    auto o = options(7, seed);
    o.base.quorum_size = 4;
    Cluster c(o);
    c.start_all();
    c.run_for(ms(1500));
    sim::FaultOptions fo;
    fo.duration = ms(8000);
    const auto log = sim::inject_faults(c, seed, fo);
    c.run_for(ms(5000));
    std::string sig = std::to_string(c.stats().messages) + "/" + std::to_string(c.acquisitions());
    for (const auto& l : log.lines) sig += l;
    for (const auto& t : c.trace()) sig += t.node + event_name(t.event);
    return sig;
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

}  // namespace
}  // namespace elector::test
