// The liveness phase of a fault run: after the faults, only a majority of the nodes is healed
// (drawn from the seed), the others stay crashed or partitioned away, and the healed majority
// must agree on one of its own as leader within a bound (sim::run checks it on every seed).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sim/run.hpp"

namespace elector::test {
namespace {

sim::RunSpec fault_run(int nodes, int quorum, std::uint64_t seed) {
  sim::RunSpec s;
  s.nodes = nodes;
  s.quorum = quorum;
  s.seed = seed;
  s.faults = true;
  s.duration_ms = 16000;
  return s;
}

TEST(QuorumHeal, TheSizeIsAMajorityOrTheQuorumIfMore) {
  EXPECT_EQ(sim::quorum_heal_size(1, 0), 1);
  EXPECT_EQ(sim::quorum_heal_size(5, 0), 3);
  EXPECT_EQ(sim::quorum_heal_size(5, 1), 3);
  EXPECT_EQ(sim::quorum_heal_size(6, 0), 4);
  EXPECT_EQ(sim::quorum_heal_size(7, 5), 5);
  EXPECT_EQ(sim::quorum_heal_size(3, 9), 3);
}

TEST(QuorumHeal, TheSplitIsDrawnFromTheSeedAndCoversEveryNodeOnce) {
  const auto s = fault_run(7, 4, 5);
  sim::Cluster c(sim::cluster_options(s));
  std::set<std::string> splits;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto h = sim::draw_quorum_heal(c, seed, 4);
    EXPECT_EQ(sim::draw_quorum_heal(c, seed, 4).describe(), h.describe());
    EXPECT_EQ(h.healed.size(), 4u);
    std::vector<std::string> all = h.healed;
    all.insert(all.end(), h.crashed.begin(), h.crashed.end());
    all.insert(all.end(), h.partitioned.begin(), h.partitioned.end());
    std::sort(all.begin(), all.end());
    std::vector<std::string> names = c.names();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(all, names);
    splits.insert(h.describe());
  }
  EXPECT_GT(splits.size(), 10u);  // not one fixed split
}

TEST(QuorumHeal, TheRunPrintsTheSplitAndTheHealedMajorityElectsOneOfItsOwn) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s = fault_run(5, 0, seed);
    sim::Cluster c(sim::cluster_options(s));
    c.set_tracing(false);
    const sim::RunResult r = sim::run(c, s);
    ASSERT_TRUE(r.failures(c).empty()) << r.failures(c).front() << "\nreplay: " << s.command();
    const auto line = std::find_if(r.log.lines.begin(), r.log.lines.end(), [](const auto& l) {
      return l.find(" heal quorum: ") != std::string::npos;
    });
    ASSERT_NE(line, r.log.lines.end());
    ASSERT_TRUE(r.quorum_agreed_after.has_value());
    // The leader is named among the healed, before ";".
    EXPECT_NE(line->find(r.quorum_agreed_on), std::string::npos) << *line;
    EXPECT_LT(line->find(r.quorum_agreed_on), line->find(" healed")) << *line;
  }
}

/// The check can fail: healed one short of a majority, with the default quorum (a majority),
/// the healed nodes must not, and do not, agree on a leader, whichever way the others are away.
TEST(QuorumHeal, OneShortOfAMajorityAgreesOnNoLeader) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto s = fault_run(5, 0, seed);
    sim::Cluster c(sim::cluster_options(s));
    c.set_tracing(false);
    c.start_all();
    ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(10000)));
    sim::FaultOptions fo;
    fo.duration = ms(5000);
    fo.mode = sim::ProfileMode::swarm;
    sim::fault_phase(c, seed, fo);
    const auto h = sim::draw_quorum_heal(c, seed, sim::quorum_heal_size(5, 0) - 1);
    sim::heal_quorum(c, h);
    // A lease from before the heal may still be valid for a few T: past those, no leader.
    c.run_for(ms(2000));
    EXPECT_FALSE(
        c.run_until([&] { return c.agreed_leader(h.healed).has_value(); }, ms(30000), ms(100)))
        << "seed " << seed << ": " << h.describe();
    EXPECT_TRUE(c.invariants().violations().empty());
    // Healed in full, they elect again.
    sim::heal_all(c);
    EXPECT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000), ms(100)))
        << "seed " << seed;
  }
}

}  // namespace
}  // namespace elector::test
