// Randomized fault runs: every seed injects crashes, freezes, stops, partitions and loss, then
// heals; the invariants must hold throughout and one leader must be agreed afterwards.
#include <gtest/gtest.h>

#include "sim/faults.hpp"
#include "sim_util.hpp"

namespace elector::test {
namespace {

void run_seeds(int nodes, int quorum, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    auto o = options(nodes, seed);
    o.base.quorum_size = quorum;
    sim::Cluster c(o);
    c.set_tracing(false);
    c.start_all();
    c.run_for(ms(1500));
    sim::FaultOptions fo;
    fo.duration = ms(10000);
    sim::inject_faults(c, seed, fo);
    const bool agreed = c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000));
    ASSERT_TRUE(agreed) << "no leader after healing; replay: elector-sim --nodes " << nodes
                        << " --quorum-size " << quorum << " --seed " << seed;
    ASSERT_TRUE(c.invariants().violations().empty())
        << c.invariants().violations().front() << "; seed " << seed;
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

}  // namespace
}  // namespace elector::test
