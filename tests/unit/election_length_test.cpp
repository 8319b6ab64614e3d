// The campaign length: how long a campaign waits for its answers, doubled after each timeout
// (a machine too loaded to answer within 3T), back to 3T once a leader is known, and how long a
// vote then binds its voter.
#include <gtest/gtest.h>

#include <vector>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

/// The campaign lengths (campaign_ms) of the pre-vote requests `from` sent among the message log's
/// entries from `since` on, each as often as it changes.
std::vector<std::uint64_t> campaign_lengths(const sim::Cluster& net, const std::string& from,
                                            std::size_t since) {
  std::vector<std::uint64_t> lengths;
  const auto& log = net.message_log();
  for (std::size_t i = since; i < log.size(); ++i) {
    if (log[i].from != from) continue;
    const auto* r = std::get_if<core::PreVoteReq>(&log[i].msg.env.body);
    if (r && (lengths.empty() || lengths.back() != r->campaign_ms)) {
      lengths.push_back(r->campaign_ms);
    }
  }
  return lengths;
}

TEST(ElectionLength, ACampaignThatTimedOutWaitsTwiceAsLongNextTimeUntilALeaderIsKnown) {
  StepCluster net({"a", "b", "c"});
  int priority = 1;
  for (const char* n : {"a", "b", "c"}) {
    Config cfg = config(n, 2);  // a majority: b, cut off, cannot win alone
    cfg.strategy = "priority";
    cfg.priority = priority++;
    net.add(cfg);
  }
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  // b hears no one (for less than it takes to declare the others dead): its campaigns time out,
  // each waiting twice as long as the one before, up to 24T.
  std::size_t since = net.message_log().size();
  net.isolate("b");
  net.run_for(ms(4000));
  EXPECT_EQ(campaign_lengths(net, "b", since), (std::vector<std::uint64_t>{300, 600, 1200, 2400}));
  // Back with the leader: b follows a, and its next campaign waits 3T again.
  net.rejoin("b");
  net.run_for(ms(3000));
  ASSERT_EQ(net["b"].leader(), std::optional<std::string>("a"));
  since = net.message_log().size();
  net.isolate("b");
  net.run_for(ms(1000));
  const auto again = campaign_lengths(net, "b", since);
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again.front(), 300u);
}

TEST(ElectionLength, AVoteBindsItsVoterPastTheCampaignsDeadline) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t next = net["a"].max_term() + 1;
  // A default campaign binds c for the 4T promise.
  EXPECT_TRUE(net.answer("c", net.as("b", core::VoteReq{next, false, 0})).granted);
  const core::VoteResp short_bind = net.answer("c", net.as("d", core::PreVoteReq{next + 1, 0}));
  EXPECT_FALSE(short_bind.granted);
  EXPECT_LE(short_bind.promise_left_ms, 401);
  // A campaign that waits 12T binds its voters for 13T: past its deadline, so the candidate has
  // stopped counting votes before a voter can back anyone else.
  EXPECT_TRUE(net.answer("c", net.as("b", core::VoteReq{next + 2, false, 1200})).granted);
  const core::VoteResp long_bind = net.answer("c", net.as("d", core::PreVoteReq{next + 3, 0}));
  EXPECT_FALSE(long_bind.granted);
  EXPECT_EQ(long_bind.reason, Refusal::promised);
  EXPECT_GT(long_bind.promise_left_ms, 1200);
  EXPECT_LE(long_bind.promise_left_ms, 1301);
  // A length beyond 24T is taken as 24T: a voter is never bound for longer than 25T.
  EXPECT_TRUE(net.answer("c", net.as("b", core::VoteReq{next + 4, false, 1'000'000'000})).granted);
  const core::VoteResp capped = net.answer("c", net.as("d", core::PreVoteReq{next + 5, 0}));
  EXPECT_GT(capped.promise_left_ms, 2400);
  EXPECT_LE(capped.promise_left_ms, 2501);
}

}  // namespace
}  // namespace elector
