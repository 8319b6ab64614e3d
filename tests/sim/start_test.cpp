// A cluster's start: how soon a node that starts campaigns.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

// With election_delay 0, a node whose election falls due before it has heard from any member
// puts the election off (alone it would elect itself), T at a time, and holds it as soon as it
// has joined: not a T later. box3, the only candidate, starts last; its seed answers within a
// few simulated milliseconds.
TEST(Start, ANodeThatWaitedForItsJoinCampaignsAsSoonAsItHasJoined) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    sim::Options o = options(3, seed);
    o.base.election_delay = ms(0);
    o.base.cluster_size = 3;
    o.per_node = [](Config& cfg) { cfg.candidate_node = cfg.name == "box3"; };
    Cluster c(o);
    c.start("box1");
    c.start("box2");
    c.run_for(ms(500));
    ASSERT_TRUE(c.leaders_now().empty());
    const Time started = c.now();
    c.start("box3");
    ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box3"); }, ms(5000))) << "seed " << seed;
    EXPECT_LT(c.now() - started, o.base.heartbeat_interval / 2)
        << "seed " << seed << ": agreed " << to_ms(c.now() - started) << " ms after box3 started";
  }
}

}  // namespace
}  // namespace elector::test
