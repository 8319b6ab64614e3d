// Which leadership a follower follows when a campaign and a leader's heartbeat cross: the case of
// a big cluster's start, where a joiner meets the first leader's heartbeat and the runner-up's
// requests within a few milliseconds, and a wrong choice costs a campaign of hundreds of requests.
#include <gtest/gtest.h>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

/// FarCluster (a leads, b is its watcher, c and d are far) and e, which joined after a was elected:
/// it follows a as a far member and has voted in no term.
struct JoinerCluster : FarCluster {
  JoinerCluster() : FarCluster({"e"}) {
    Config cfg = config("e");
    cfg.strategy = "priority";
    cfg.priority = 5;
    cfg.heartbeat_watchers = 1;
    add(cfg);
    run_for(ms(1500));  // past its quiet period, and a far heartbeat on
    for (const auto& m : message_log()) last[m.from] = m.msg.env;
  }
  core::NodeCore& e() { return *node("e"); }
  /// A heartbeat as a leader of `term` sends it to a far member.
  core::Envelope far_heartbeat(const std::string& from, std::uint64_t term) const {
    core::Heartbeat hb;
    hb.term = term;
    hb.seq = 1;
    hb.want_ack = false;
    hb.watchers = {"b"};
    hb.far_interval_ms = 1000;
    return as(from, hb);
  }
};

TEST(ElectionFollow, AFollowerRefusesACampaignForTheTermItsLeaderHolds) {
  JoinerCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  ASSERT_EQ(net.e().leader(), std::optional<std::string>("a"));
  const std::uint64_t term = net["a"].term();
  // b asks for a's own term (it began before it heard of a): that term has its leader. Even the
  // watcher, whom a far follower may back, is refused, and e keeps a.
  const core::VoteResp r = net.answer("e", net.as("b", core::VoteReq{term, false}));
  EXPECT_FALSE(r.granted);
  EXPECT_EQ(r.reason, Refusal::leader_of_term);
  EXPECT_EQ(net.e().leader(), std::optional<std::string>("a"));
  // A newer term from the watcher is backed as before (a may be frozen).
  EXPECT_TRUE(net.answer("e", net.as("b", core::PreVoteReq{term + 1})).granted);
}

TEST(ElectionFollow, AVoterReleasedByALosingCandidateFollowsTheLeaderItRefused) {
  JoinerCluster net;
  const std::uint64_t next = net["a"].term() + 1;
  ASSERT_TRUE(net.answer("e", net.as("b", core::VoteReq{next, false})).granted);
  // d won that same term (in this story); its heartbeat reaches e while e is promised to b.
  net.deliver("e", net.far_heartbeat("d", next));
  EXPECT_FALSE(net.e().leader().has_value());
  // b lost and releases its voters: e follows d at once instead of campaigning against it.
  const std::size_t since = net.message_log().size();
  net.deliver("e", net.as("b", core::Resign{next, "", false}));
  EXPECT_EQ(net.e().leader(), std::optional<std::string>("d"));
  EXPECT_EQ(net.e().term(), next);
  EXPECT_EQ(campaign_requests(net, "e", since), std::make_pair(0, 0));
}

TEST(ElectionFollow, AFarHeartbeatRefusedDuringAPromiseIsFollowedWhenThePromiseEnds) {
  JoinerCluster net;
  const std::uint64_t next = net["a"].term() + 1;
  ASSERT_TRUE(net.answer("e", net.as("b", core::VoteReq{next, false})).granted);
  net.deliver("e", net.far_heartbeat("d", next));
  EXPECT_FALSE(net.e().leader().has_value());
  // e's promise to b (4T) runs out with no word from b. d's heartbeat is 4T old by then, older
  // than T, yet d sends e, a far member, the next one only a far interval (1 s) later: e follows
  // it rather than campaigning meanwhile. Only e's clock moves, so nothing else changes.
  for (const char* n : {"a", "b", "c", "d"}) net.freeze(n);  // e alone moves on
  net.run_for(4 * ms(100) + ms(5));
  EXPECT_EQ(net.e().leader(), std::optional<std::string>("d"));
}

}  // namespace
}  // namespace elector
