// Randomized fault runs, each the very run of `elector-sim --faults` with the same arguments
// (sim::run): every seed draws a fault profile (swarm testing: some kinds off, the others
// weighted, faults aimed at fresh leaders and campaigns), injects its faults, then heals; the
// invariants must hold throughout and one leader must be agreed afterwards. A failure names the
// command that replays its seed.
#include <gtest/gtest.h>

#include "sim/run.hpp"

namespace elector::test {
namespace {

/// `quorum` 0 is the default, a majority of the cluster, held to the strict invariants.
/// `within`: every node's clock at its own rate and offset, any two rates within the 12.5 % that
/// the lease's margin covers (docs/design.md §7), leases compared on the simulated timeline.
void run_seeds(int nodes, int quorum, std::uint64_t first, std::uint64_t count,
               sim::ClockSkew clock = sim::ClockSkew::none) {
  sim::RunSpec s;
  s.nodes = nodes;
  s.quorum = quorum;
  s.faults = true;
  s.duration_ms = 16000;  // about 1.5 s to elect, 8.7 s of faults, then healing and the checks
  s.clock = clock;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    s.seed = seed;
    sim::Cluster c(sim::cluster_options(s));
    c.set_tracing(false);
    const sim::RunResult r = sim::run(c, s);
    const auto failures = r.failures(c);
    ASSERT_TRUE(failures.empty()) << failures.front() << "\nreplay: " << s.command() << " -v";
  }
}

TEST(RandomFaults, FiveNodesMajorityQuorum500Seeds) {
  run_seeds(5, 3, 1, 500);
}
TEST(RandomFaults, FiveNodesQuorumOne300Seeds) {
  run_seeds(5, 1, 1001, 300);
}
TEST(RandomFaults, SevenNodesMajorityQuorum200Seeds) {
  run_seeds(7, 4, 2001, 200);
}
TEST(RandomFaults, ThreeNodesMajorityQuorum200Seeds) {
  run_seeds(3, 2, 3001, 200);
}
TEST(RandomFaults, SwarmFiveNodesDefaultMajority1000Seeds) {
  run_seeds(5, 0, 10001, 1000);
}
TEST(RandomFaults, SwarmSevenNodesDefaultMajority500Seeds) {
  run_seeds(7, 0, 20001, 500);
}
TEST(RandomFaults, ClockRatesWithinTheBoundFiveNodes1000Seeds) {
  run_seeds(5, 3, 30001, 1000, sim::ClockSkew::within);
}
TEST(RandomFaults, ClockRatesWithinTheBoundSevenNodes400Seeds) {
  run_seeds(7, 4, 40001, 400, sim::ClockSkew::within);
}

}  // namespace
}  // namespace elector::test
