// The start of a big cluster: hundreds of nodes join within a fraction of a second while the
// first of them already elect. Each campaign costs hundreds of requests here, so the scenario
// counts them, not just the outcome.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

std::uint64_t sent_of(const Cluster& c, const std::string& kind) {
  const auto it = c.stats().by_kind.find(kind);
  return it == c.stats().by_kind.end() ? 0 : it->second;
}

TEST(BigStart, ThreeHundredNodesElectOnceWithoutCampaignsAgainstTheWinner) {
  // box1 and box2 campaign for term 1 together; box1 wins. Joiners that got box1's heartbeat and
  // then box2's request used to vote for box2, give box1 up and campaign on their own: about 28
  // refused campaigns and 7,800 pre-vote requests at this seed. The first two campaigns ask about
  // a majority each.
  auto o = options(300, 1);
  o.start_stagger = ms(1);
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000), ms(10)));
  c.run_for(ms(5000));
  EXPECT_EQ(c.leaders_now().size(), 1u);
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_LE(sent_of(c, "pre_vote"), 2u * 300u) << "campaigns against the leader during the start";
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(BigStart, WithTheNineBestFrozenOnlyTheNextEightCampaign) {
  // 40 nodes led by box1 (priority), every member a watcher; box1..box9 freeze together. Everyone
  // loses the leader after 4T, but box10..box40 still see box2..box9 up until the probes find
  // them out: only the eight best-ranked candidates of a view campaign on their own, so the 23
  // others wait for a leader or for those to go down. They used to campaign after 16T, together.
  auto o = options(40, 3);
  o.base.strategy = "priority";
  o.base.heartbeat_watchers = 40;
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader() == "box1"; }, ms(30000), ms(10)));
  c.run_for(ms(3000));
  const std::uint64_t before = sent_of(c, "pre_vote") + sent_of(c, "vote");
  for (int k = 1; k <= 9; ++k) c.freeze("box" + std::to_string(k));
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(60000), ms(10)));
  EXPECT_EQ(*c.agreed_leader(), "box10");
  // The campaigns of at most eight candidates, each asking 39 voters a few times.
  EXPECT_LE(sent_of(c, "pre_vote") + sent_of(c, "vote") - before, 8u * 39u * 4u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

}  // namespace
}  // namespace elector::test
