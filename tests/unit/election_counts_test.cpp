// The campaign counters: how a node's own campaigns ended and why voters refused it (the metrics
// elector_campaigns_total and elector_vote_refusals_total).
#include <gtest/gtest.h>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

std::uint64_t ended(const core::CampaignCounts& c, CampaignRound round, CampaignOutcome outcome) {
  const auto r = c.ended.find(round);
  if (r == c.ended.end()) return 0;
  const auto o = r->second.find(outcome);
  return o == r->second.end() ? 0 : o->second;
}
std::uint64_t ended(const core::NodeCore& n, CampaignRound round, CampaignOutcome outcome) {
  return ended(n.election().campaign_counts(), round, outcome);
}

std::uint64_t refusals(const core::CampaignCounts& c, Refusal reason) {
  const auto it = c.refusals.find(reason);
  return it == c.refusals.end() ? 0 : it->second;
}
std::uint64_t refusals(const core::NodeCore& n, Refusal reason) {
  return refusals(n.election().campaign_counts(), reason);
}

/// Three nodes, a ranked first: a leads.
struct ThreeCluster : StepCluster {
  ThreeCluster() : StepCluster({"a", "b", "c"}) {
    int priority = 1;
    for (const char* n : {"a", "b", "c"}) {
      Config cfg = config(n);
      cfg.strategy = "priority";
      cfg.priority = priority++;
      add(cfg);
    }
    run_for(ms(1500));
  }
};

TEST(ElectionCounts, TheWinnerCountsEachRoundItWon) {
  ThreeCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const core::NodeCore& a = net["a"];
  EXPECT_EQ(ended(a, CampaignRound::vote, CampaignOutcome::won), 1u);
  EXPECT_EQ(ended(a, CampaignRound::vote, CampaignOutcome::timed_out) +
                ended(a, CampaignRound::vote, CampaignOutcome::refused),
            0u);
  // c started after a led and never campaigned.
  EXPECT_TRUE(net["c"].election().campaign_counts().ended.empty())
      << net["c"].election().campaign_counts().ended.size();
}

TEST(ElectionCounts, CampaignsThatCannotWinCountTheirEndAndTheirRefusals) {
  ThreeCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const core::NodeCore& b = net["b"];
  // (b campaigned at its start, against a: those campaigns are counted already.)
  const core::CampaignCounts before = b.election().campaign_counts();
  // b hears no one: it gives a up after its promise and campaigns into the void.
  net.isolate("b");
  net.run_for(ms(900));
  ASSERT_FALSE(b.leader().has_value());
  EXPECT_GE(ended(b, CampaignRound::pre, CampaignOutcome::timed_out),
            ended(before, CampaignRound::pre, CampaignOutcome::timed_out) + 1);
  EXPECT_EQ(ended(b, CampaignRound::pre, CampaignOutcome::won),
            ended(before, CampaignRound::pre, CampaignOutcome::won));
  EXPECT_EQ(b.election().campaign_counts().refusals, before.refusals);
  // b reaches c again but not a: c, bound to a, refuses b's pre-votes and says why.
  net.rejoin("b");
  const int a_to_b = net.cut_one_way({"a"}, {"b"});
  const int b_to_a = net.cut_one_way({"b"}, {"a"});
  net.run_for(ms(2000));
  EXPECT_GT(refusals(b, Refusal::promised), refusals(before, Refusal::promised));
  EXPECT_GT(ended(b, CampaignRound::pre, CampaignOutcome::refused) +
                ended(b, CampaignRound::pre, CampaignOutcome::timed_out),
            ended(before, CampaignRound::pre, CampaignOutcome::refused) +
                ended(before, CampaignRound::pre, CampaignOutcome::timed_out) + 1);
  EXPECT_EQ(ended(b, CampaignRound::pre, CampaignOutcome::won),
            ended(before, CampaignRound::pre, CampaignOutcome::won));
  // Healed: b follows a again, which never stopped leading.
  net.repair_cut(a_to_b);
  net.repair_cut(b_to_a);
  net.run_for(ms(300));
  EXPECT_EQ(b.leader(), std::optional<std::string>("a"));
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  EXPECT_EQ(ended(b, CampaignRound::vote, CampaignOutcome::won), 0u);
}

}  // namespace
}  // namespace elector
