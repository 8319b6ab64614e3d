// The election state machine driven directly through NodeCore, message by message.
#include <gtest/gtest.h>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

TEST(Election, SingleNodeElectsItselfAfterElectionDelay) {
  StepCluster net({"a"});
  Config cfg = config("a");
  cfg.election_delay = ms(500);  // longer than the 4T quiet period after a start
  core::NodeCore& a = net.add(cfg);
  net.run_for(ms(490));
  EXPECT_FALSE(a.is_leader(net.now()));
  net.run_for(ms(20));
  EXPECT_TRUE(a.is_leader(net.now()));
  EXPECT_EQ(a.term(), 1u);
  EXPECT_EQ(net.count<LeadershipAcquired>("a"), 1);
  EXPECT_EQ(net.count<LeaderChanged>("a"), 1);
}

TEST(Election, NodeWithSeedsWaitsForItsJoinBeforeElectingItself) {
  // Its seed does not answer (a seed overloaded, or not started yet): alone it would elect itself
  // and later disrupt the cluster it joins. It waits one whole join backoff for an answer.
  StepCluster net({"a", "b"});
  Config cfg = config("a");
  cfg.membership.join_retry_max = ms(1000);
  sim::Boot how;
  how.config = cfg;
  how.seeds = std::vector<std::string>{"nowhere:1"};
  net.start("a", how);
  net.pump();
  core::NodeCore& a = net["a"];
  net.run_for(ms(1050));  // election_delay (100 ms) passed long ago
  EXPECT_FALSE(a.is_leader(net.now()));
  EXPECT_EQ(net.count<LeadershipAcquired>("a"), 0);
  // The seeds may all be down for good: after election_delay + join_retry_max it leads alone.
  net.run_for(ms(100));
  EXPECT_TRUE(a.is_leader(net.now()));
  // A node whose join is answered elects as soon as the others (covered by every test above);
  // one joining a led cluster follows.
  core::NodeCore& b = net.add(config("b"));
  net.run_for(ms(300));
  EXPECT_EQ(b.leader(), std::optional<std::string>("a"));
}

TEST(Election, LeaseRunsOutWithoutAnyInput) {
  StepCluster net({"a"});
  core::NodeCore& a = net.add(config("a"));
  net.run_for(ms(600));
  ASSERT_TRUE(a.is_leader(net.now()));
  const Time end = a.lease_end();
  EXPECT_LE(end - net.now(), ms(350));
  // No tick, no message: the answer changes with time alone (a frozen process).
  EXPECT_TRUE(a.is_leader(end - Duration(1)));
  EXPECT_FALSE(a.is_leader(end));
}

TEST(Election, FollowerRefusesVotesWhileItsLeaderIsAlive) {
  StepCluster net({"a", "b", "c"});
  core::NodeCore& a = net.add(config("a", 2));
  core::NodeCore& b = net.add(config("b", 2));
  net.add(config("c", 2));
  net.run_for(ms(1000));
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t term = a.term();
  // c asks for an election itself: it is forwarded to the leader, who stays.
  EXPECT_EQ(net.elect("c"), core::ElectOutcome::started);
  net.pump();
  net.run_for(ms(300));
  EXPECT_TRUE(a.is_leader(net.now()));
  EXPECT_EQ(a.term(), term);
  EXPECT_EQ(b.leader(), std::optional<std::string>("a"));
}

TEST(Election, CutOffLeaderLosesLeaseAndOthersElectAboveItsTerm) {
  StepCluster net({"a", "b", "c"});
  core::NodeCore& a = net.add(config("a", 2));
  core::NodeCore& b = net.add(config("b", 2));
  net.add(config("c", 2));
  net.run_for(ms(1000));
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t term = a.term();
  net.cut("a");
  net.run_for(ms(600));
  EXPECT_FALSE(a.is_leader(net.now()));
  ASSERT_TRUE(b.leader().has_value());
  EXPECT_NE(*b.leader(), "a");
  EXPECT_GT(b.term(), term);
}

TEST(Election, RestartedNodeStaysQuietForOnePromisePeriod) {
  StepCluster net({"a", "b"});
  net.add(config("a", 2));
  net.add(config("b", 2));
  net.run_for(ms(1500));
  const std::string leader = net["a"].is_leader(net.now()) ? "a" : "b";
  const std::string other = leader == "a" ? "b" : "a";
  ASSERT_TRUE(net[leader].is_leader(net.now()));
  // The follower restarts (new boot): for 4T it acknowledges nothing, so the leader, needing two
  // supporters, loses its lease...
  net.crash(other, false);
  net.add(config(other, 2), 2);
  net.run_for(ms(390));
  EXPECT_EQ(net.count<LeadershipLost>(leader), 1);
  EXPECT_FALSE(net[leader].is_leader(net.now()));
  EXPECT_FALSE(net[other].is_leader(net.now()));
  // ...and once the quiet period is over, one leader again.
  net.run_for(ms(1000));
  core::NodeCore& a = net["a"];
  core::NodeCore& b = net["b"];
  EXPECT_NE(a.is_leader(net.now()), b.is_leader(net.now()));
  ASSERT_TRUE(a.leader().has_value());
  EXPECT_EQ(a.leader(), b.leader());
}

TEST(Election, SettingsMismatchIsReportedAndNotVotedFor) {
  StepCluster net({"a", "b"});
  net.add(config("a"));
  Config other = config("b");
  other.strategy = "priority";
  net.add(other);
  net.run_for(ms(1000));
  EXPECT_EQ(net.count<SettingsMismatch>("a"), 1);
  EXPECT_EQ(net.count<SettingsMismatch>("b"), 1);
}

/// Five nodes with quorum 3 led by a; a's process dies and every other node but `late` sees its
/// connection close. Returns the term a led in and who leads after (empty if no one within
/// 40 ms).
std::pair<std::uint64_t, std::string> crash_a_seen_by_all_but(StepCluster& net,
                                                              const std::string& late) {
  std::vector<std::string> seen;
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    net.add(config(n, 3));
    if (n != std::string("a") && n != late) seen.emplace_back(n);
  }
  net.run_for(ms(1000));
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t old_term = net["a"].term();
  net.crash("a", false);
  for (const auto& n : seen) net.peer_gone(n, "a", 1);
  net.pump();
  std::string leader;
  for (int i = 0; i < 40 && leader.empty(); ++i) {
    net.run_for(ms(1));
    for (const auto& n : seen) {
      if (net[n].is_leader(net.now())) leader = n;
    }
  }
  return {old_term, leader};
}

TEST(Election, PeerThatLearnsOfACrashLastFollowsTheNewLeaderAtOnce) {
  StepCluster net({"a", "b", "c", "d", "e"});
  // No word of a's end reaches e either (the others' gossip would tell it: see the next test).
  net.set_no_gossip_to("e", true);
  const auto [old_term, leader] = crash_a_seen_by_all_but(net, "e");
  ASSERT_FALSE(leader.empty());
  // e got the new leader's heartbeat while it still backed a, and refused it.
  core::NodeCore& e = net["e"];
  EXPECT_EQ(e.leader(), std::optional<std::string>("a"));
  // Its own signal arrives: it follows the new leader at once, not one heartbeat later.
  net.peer_gone("e", "a", 1);
  net.pump();
  EXPECT_EQ(e.leader(), std::optional<std::string>(leader));
  EXPECT_GT(e.term(), old_term);
  EXPECT_EQ(net.count<LeadershipAcquired>("e"), 0);
}

TEST(Election, ProcessGoneHeardFromAMemberReleasesThePromiseAsOwnSignalWould) {
  // In a big cluster the transport's signals of a crashed leader reach the followers over a few
  // hundred milliseconds (each must be scheduled); the first who see it say so in gossip, marked
  // gone, and that frees the others' promises at once. The late one is c, whom the new leader
  // (b) asks first: its request carries the gossip.
  StepCluster net({"a", "b", "c", "d", "e"});
  const auto [old_term, leader] = crash_a_seen_by_all_but(net, "c");
  ASSERT_FALSE(leader.empty());
  core::NodeCore& c = net["c"];
  EXPECT_EQ(c.leader(), std::optional<std::string>(leader)) << "c waited for its own signal";
  EXPECT_GT(c.term(), old_term);
  bool gone = false;
  for (const auto& ev : net.events("c")) {
    if (const auto* d = std::get_if<MemberDown>(&ev); d && d->member == "a") {
      gone = d->reason == DownReason::process_gone;
    }
  }
  EXPECT_TRUE(gone);
}

TEST(Election, FarFollowersAreHeartbeatedRarelyAndKeepTheLeader) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  net.clear_message_log();
  net.run_for(ms(2000));
  std::map<std::string, int> heartbeats;
  for (const auto& l : net.message_log()) {
    if (l.from == "a" && std::holds_alternative<core::Heartbeat>(l.msg.env.body))
      ++heartbeats[l.msg.to_name];
  }
  EXPECT_GE(heartbeats["b"], 19);  // the watcher: every T
  EXPECT_LE(heartbeats["c"], 3);   // far: once per far interval (10T)
  EXPECT_GE(heartbeats["c"], 1);
  EXPECT_LE(heartbeats["d"], 3);
  // 2 s without a heartbeat for most of it (5 times 4T): the far members still follow a.
  for (const char* n : {"b", "c", "d"}) {
    EXPECT_EQ(net[n].leader(), std::optional<std::string>("a")) << n;
  }
  EXPECT_EQ(net.count<LeadershipAcquired>("a"), 1);
}

TEST(Election, FarFollowerBacksOnlyTheLeadersWatchers) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t next = net["a"].max_term() + 1;
  // d is not a watcher: while c believes a alive, it refuses d, so d cannot disrupt a.
  const core::VoteResp to_d = net.answer("c", net.as("d", core::PreVoteReq{next}));
  EXPECT_FALSE(to_d.granted);
  EXPECT_EQ(to_d.reason, Refusal::promised);
  EXPECT_GT(to_d.promise_left_ms, 400);  // until it gives a up, 4 far intervals on
  // b is the watcher: it campaigns only when it missed a for 4T, and c does not hold it up.
  EXPECT_TRUE(net.answer("c", net.as("b", core::PreVoteReq{next})).granted);
  // b itself is bound to a by its acknowledged heartbeats: it refuses d.
  EXPECT_FALSE(net.answer("b", net.as("d", core::PreVoteReq{next})).granted);
  // A real vote for the watcher: c gives a up and backs b alone.
  EXPECT_TRUE(net.answer("c", net.as("b", core::VoteReq{next, false})).granted);
  EXPECT_FALSE(net["c"].leader().has_value());
  EXPECT_FALSE(net.answer("c", net.as("d", core::VoteReq{next, false})).granted);
}

TEST(Election, CampaignAfterTheLeadersProcessEndedSkipsThePreVote) {
  // A pre-vote round keeps a candidate from disrupting a leader that may be alive. Once the
  // leader's process is known to have ended there is none to disrupt, and at a few hundred
  // voters the round costs as much as the vote itself.
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::size_t since = net.message_log().size();
  net.crash("a", false);
  for (const char* n : {"b", "c", "d"}) net.peer_gone(n, "a", 1);
  net.pump();
  EXPECT_TRUE(net["b"].is_leader(net.now()));
  const auto [pre, real] = campaign_requests(net, "b", since);
  EXPECT_EQ(pre, 0);
  EXPECT_EQ(real, 2);  // c and d
}

TEST(Election, CampaignAfterAFrozenLeaderStillAsksPreVotes) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::size_t since = net.message_log().size();
  net.cut("a");  // frozen: no signal, b's promise runs out after 4T
  net.run_for(ms(600));
  EXPECT_TRUE(net["b"].is_leader(net.now()));
  EXPECT_GT(campaign_requests(net, "b", since).first, 0);  // to a too: not yet suspected
}

TEST(Election, WaitingCandidateHoldsOffOnceWhileABetterOneCampaigns) {
  // b ranks first after a, c second: c waits 2T to 2.5T for b, then campaigns itself (the bully
  // fallback). When c hears b campaign meanwhile, it waits for b's campaign to end instead.
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t next = net["a"].max_term() + 1;
  const core::Envelope b_asks = net.as("b", core::PreVoteReq{next});
  net.cut("b");  // b's campaign never ends here: its answers are lost
  net.crash("a", false);
  for (const char* n : {"c", "d"}) net.peer_gone(n, "a", 1);
  net.pump();
  const std::size_t since = net.message_log().size();
  net.run_for(ms(100));
  ASSERT_EQ(campaign_requests(net, "c", since), std::make_pair(0, 0));
  net.deliver("c", b_asks);
  net.run_for(ms(160));  // past c's own turn (at most 2.5T)
  EXPECT_EQ(campaign_requests(net, "c", since), std::make_pair(0, 0));
  net.deliver("c", b_asks);  // heard again: no second extension
  net.run_for(ms(200));      // b's campaign (3T from when c heard it) is over
  EXPECT_GT(campaign_requests(net, "c", since).second, 0);
  EXPECT_TRUE(net["c"].is_leader(net.now()));
}

TEST(Election, WatcherCutOffAndBackChangesTheListWithoutDisruptingTheLeader) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t term = net["a"].term();
  auto status_of_b = [&] {
    for (const auto& m : net["a"].members()) {
      if (m.name == "b") return m.status;
    }
    return core::MemberStatus::dead;
  };
  // b is cut off until a suspects it: c, ranking next among the alive, becomes the watcher.
  // Suspicion is no up/down transition, so no election round tells everyone.
  net.cut("b");
  for (int i = 0; i < 100 && status_of_b() != core::MemberStatus::suspect; ++i)
    net.run_for(ms(100));
  ASSERT_EQ(status_of_b(), core::MemberStatus::suspect);
  net.run_for(ms(300));
  // b is back and refutes: it ranks before c again, and c is dropped from the list (the leader
  // tells a dropped watcher at once: it expected a heartbeat every T).
  const int changes = net.count<LeaderChanged>("c");
  net.uncut("b");
  net.run_for(ms(3000));
  EXPECT_EQ(net.count<LeaderChanged>("c"), changes);  // never gave a up
  EXPECT_EQ(net["c"].leader(), std::optional<std::string>("a"));
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  EXPECT_EQ(net["a"].term(), term);
}

TEST(Election, FarFollowerAcknowledgesNothingTheLeaseCouldCountOn) {
  StepCluster net({"a", "b", "c", "d", "e"});
  int priority = 1;
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    Config cfg = config(n, 2);
    cfg.strategy = "priority";
    cfg.priority = priority++;
    cfg.heartbeat_watchers = 1;
    net.add(cfg);
  }
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  net.clear_message_log();
  net.run_for(ms(2000));
  std::set<std::string> acked, alive, near;
  // Who gets heartbeats, and who answers, by datagram (no connection: docs/design.md §3).
  std::set<std::string> hb_datagram, hb_both, hb_stream, resp_datagram, resp_stream;
  for (const auto& l : net.message_log()) {
    const std::string& from = l.from;
    const core::Outgoing& m = l.msg;
    const bool datagram = m.route == core::Route::datagram;
    if (const auto* r = std::get_if<core::HeartbeatResp>(&m.env.body); r && r->ok) {
      (r->alive_only ? alive : acked).insert(from);
      (datagram ? resp_datagram : resp_stream).insert(from);
    }
    if (const auto* h = std::get_if<core::Heartbeat>(&m.env.body)) {
      near.insert(h->watchers.begin(), h->watchers.end());
      (datagram                       ? hb_datagram
       : m.route == core::Route::both ? hb_both
                                      : hb_stream)
          .insert(m.to_name);
    }
  }
  // One candidate watcher (b) and q = 2 supporters (one of them a spare); e is far.
  EXPECT_EQ(near.size(), 3u);
  EXPECT_FALSE(near.count("e"));
  EXPECT_EQ(acked, near);
  // e answers with proof of life only (the leader watches the members that do not probe).
  EXPECT_TRUE(alive.count("e"));
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  // The watchers' heartbeats keep a connection (the leader's crash must reach them) and go as
  // datagrams too (a lost TCP segment must not hold them up); e's need no connection. Every
  // answer is a datagram: the lease counts the latest.
  EXPECT_EQ(hb_both, near);
  EXPECT_TRUE(hb_stream.empty());
  EXPECT_EQ(hb_datagram, std::set<std::string>{"e"});
  EXPECT_TRUE(resp_stream.empty());
  std::set<std::string> everyone = near;
  everyone.insert("e");
  EXPECT_EQ(resp_datagram, everyone);
}

TEST(Election, AWatcherAnswersEachHeartbeatOnceWhateverCopyComesFirst) {
  // A watcher's heartbeat arrives twice (over the connection and as a datagram): it follows and
  // answers the first copy, and ignores the second and any older heartbeat that comes late.
  StepCluster net({"a", "b", "c"});
  int priority = 1;
  for (const char* n : {"a", "b", "c"}) {
    Config cfg = config(n, 2);
    cfg.strategy = "priority";
    cfg.priority = priority++;
    net.add(cfg);
  }
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const int changes = net.count<LeaderChanged>("b");
  net.clear_message_log();
  net.run_for(ms(1000));
  std::map<std::uint64_t, int> hb_copies_to_b;
  std::map<std::uint64_t, int> answers_from_b;
  for (const auto& l : net.message_log()) {
    const core::Outgoing& m = l.msg;
    if (const auto* h = std::get_if<core::Heartbeat>(&m.env.body); h && m.to_name == "b") {
      hb_copies_to_b[h->seq] += m.route == core::Route::both ? 2 : 1;
    }
    if (const auto* r = std::get_if<core::HeartbeatResp>(&m.env.body); r && l.from == "b") {
      ++answers_from_b[r->seq];
    }
  }
  ASSERT_GE(hb_copies_to_b.size(), 8u);
  for (const auto& [seq, copies] : hb_copies_to_b) {
    EXPECT_EQ(copies, 2) << "heartbeat " << seq;
    EXPECT_EQ(answers_from_b[seq], 1) << "heartbeat " << seq;
  }
  EXPECT_EQ(net.count<LeaderChanged>("b"), changes);
}

TEST(Election, VoteRequestFromANodeThatLeftIsRefused) {
  StepCluster net({"a", "b", "c"});
  // c ranks best, so that b, campaigning alone, would not refuse it as a worse candidate.
  int priority = 3;
  for (const char* n : {"a", "b", "c"}) {
    Config cfg = config(n, 2);
    cfg.strategy = "priority";
    cfg.priority = priority--;
    net.add(cfg);
  }
  net.run_for(ms(1000));
  // A message c sent while it was a member, kept (delayed in the network, or replayed by c's
  // owner, who still has the secret).
  core::Envelope kept;
  for (const auto& l : net.message_log()) {
    if (l.from == "c") kept = l.msg.env;
  }
  ASSERT_EQ(kept.header.self.name, "c");
  net.stop("c");
  net.pump();

  net.stop("a");
  net.pump();
  // b is alone now: whatever it held runs out, and it backs no one.
  net.run_for(ms(600));
  core::NodeCore& b = net["b"];
  ASSERT_FALSE(b.leader().has_value());
  const std::uint64_t term = b.max_term();
  kept.body = core::VoteReq{term + 100, false};
  kept.gossip.clear();
  net.clear_message_log();
  net.deliver("b", kept);
  for (const auto& l : net.message_log()) {
    const auto* resp = std::get_if<core::VoteResp>(&l.msg.env.body);
    if (l.from == "b" && resp) {
      EXPECT_FALSE(resp->granted) << to_string(resp->reason);
    }
  }
  EXPECT_LT(b.max_term(), term + 100);
}

}  // namespace
}  // namespace elector
