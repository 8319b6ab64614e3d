// The safety rules of the election (docs/design.md §7), each shown to hold where a one-line
// change to it would break it (scripts/mutate.sh, docs/testing.md "Mutation testing of the
// safety rules"): every test below fails with the rule it names broken.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

/// Adds `names` with quorum `q`, ranked by priority in that order (the first leads); with
/// `watchers` > 0, the leader heartbeats that many candidates every T (and the members its lease
/// needs), the others only once per far interval.
void add_ranked(StepCluster& net, const std::vector<std::string>& names, int q, int watchers = 0) {
  int priority = 1;
  for (const auto& n : names) {
    Config cfg = config(n, q);
    cfg.strategy = "priority";
    cfg.priority = priority++;
    if (watchers > 0) cfg.heartbeat_watchers = watchers;
    net.add(cfg);
  }
}

/// Three nodes with a majority quorum (2), a leading; b and c's clocks run `rate_ppm` / 10^6 times
/// as fast as a's.
void three_with_fast_followers(StepCluster& net, std::int64_t rate_ppm) {
  net.set_clock_rate("b", rate_ppm);
  net.set_clock_rate("c", rate_ppm);
  add_ranked(net, {"a", "b", "c"}, 2);
}

/// Advances `d` a millisecond at a time; fails as soon as two nodes hold a valid lease, each
/// asked on its own clock (what the nodes' programs would see).
void advance_checking_leases(StepCluster& net, Duration d) {
  const Time end = net.now() + d;
  while (net.now() < end) {
    net.run_for(ms(1));
    std::vector<std::string> valid;
    for (const auto& name : net.names()) {
      if (net.running(name) && net[name].is_leader(net.local_now(name))) valid.push_back(name);
    }
    ASSERT_LE(valid.size(), 1u) << valid.front() << " and " << valid.back() << " both lead, "
                                << to_ms(net.now() - sim::Cluster::epoch()) << " ms in";
  }
}

// Rule: a leader counts a supporter for the lease, 3.5T from its request's sending on its own
// clock, and the supporter is bound for the promise, 4T from receipt on its clock; the 0.5T
// between them absorbs clocks that run up to 12.5 % apart (docs/design.md §7, "Clocks"). Here the
// followers' clocks run 10 % fast: their 4T is 3.64T of the leader's, still past its 3.5T. A
// promise as short as the lease, or a lease as long as the promise, lets them elect while the
// cut-off leader's lease still holds.
TEST(ElectionSafety, ALeaseFromAcknowledgementsEndsBeforeFastClocksFreeTheSupporters) {
  StepCluster net({"a", "b", "c"});
  three_with_fast_followers(net, 1'100'000);
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  net.isolate("a");  // running, still sure of its lease, but no one hears it
  advance_checking_leases(net, ms(1000));
  // The schedule ran as meant: the others elected a leader of their own.
  EXPECT_TRUE(net["b"].is_leader(net.local_now("b")));
}

// Rule: the same for the votes that elected a leader, counted for 7/8 of their binding (the 4T of
// a 3T campaign's vote: 3.5T) from the request's sending (Timing::vote_lease). Here the leader is
// cut off the moment it has won, so its lease rests on the votes alone.
TEST(ElectionSafety, ALeaseFromVotesEndsBeforeFastClocksFreeTheVoters) {
  StepCluster net({"a", "b", "c"});
  three_with_fast_followers(net, 1'100'000);
  for (int i = 0; i < 1000 && !net["a"].is_leader(net.now()); ++i) net.run_for(ms(1));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  net.isolate("a");
  advance_checking_leases(net, ms(1000));
  EXPECT_TRUE(net["b"].is_leader(net.local_now("b")));
}

// Rule: the same for a leader elected by a campaign that timed out once and so waited 6T: its
// voters are bound for 7T from receipt, and it counts their votes for 7/8 of that from the
// sending, the lease's proportion of the promise (Timing::vote_lease). A fixed 0.5T less than the
// binding would be 7 % of it, short of the 12.5 % that clocks may differ by: with clocks 10 %
// apart the voters would be free 6.36T after the request, while the lease lasted 6.5T.
TEST(ElectionSafety, ALeaseFromALongCampaignsVotesEndsBeforeFastClocksFreeTheVoters) {
  StepCluster net({"a", "b", "c"});
  three_with_fast_followers(net, 1'100'000);
  net.run_for(ms(60));  // joined; the first campaign starts at election_delay (100 ms)
  for (const char* n : {"a", "b", "c"}) net.isolate(n);
  net.run_for(ms(450));  // a's 3T campaign has timed out: the next one waits 6T
  for (const char* n : {"a", "b", "c"}) net.rejoin(n);
  for (int i = 0; i < 1000 && !net["a"].is_leader(net.now()); ++i) net.run_for(ms(1));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  ASSERT_GT(net["a"].lease_end() - net.now(), ms(600));  // counting the votes of 6T
  net.isolate("a");
  advance_checking_leases(net, ms(1500));
  EXPECT_TRUE(net["b"].is_leader(net.local_now("b")));
}

/// The last heartbeat `leader` sent to `to`, with its header, ready to be sent again (changed).
core::Envelope last_heartbeat(const sim::Cluster& net, const std::string& leader,
                              const std::string& to) {
  const auto& log = net.message_log();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (it->from == leader && it->msg.to_name == to &&
        std::holds_alternative<core::Heartbeat>(it->msg.env.body)) {
      core::Envelope env = it->msg.env;
      env.gossip.clear();
      return env;
    }
  }
  ADD_FAILURE() << "no heartbeat from " << leader << " to " << to;
  return {};
}

// Rule: a follower that acknowledged a heartbeat as a watcher is bound for the whole promise,
// even once a later heartbeat makes it a far member (the leader chose other watchers): the leader
// may count that acknowledgement in its lease until then. Meanwhile it refuses every candidate,
// the leader's named watchers included; a far member backs a watcher only when it is bound to
// nothing (docs/design.md §7, claim 1, step 6).
TEST(ElectionSafety, ABoundFollowerRefusesEvenTheLeadersWatchersUntilItsPromiseEnds) {
  FarCluster net;  // a leads; b is its watcher; c and d are far
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t next = net["a"].max_term() + 1;
  // c is made a watcher (it binds itself for 4T), then far again at once.
  core::Envelope hb = last_heartbeat(net, "a", "c");
  auto& body = std::get<core::Heartbeat>(hb.body);
  body.watchers = {"b", "c"};
  body.seq += 1;  // a newer heartbeat: c ignores one it already followed
  net.receive("c", hb);
  body.watchers = {"b"};
  body.seq += 1;
  net.receive("c", hb);
  net.pump();
  const core::VoteResp pre = net.answer("c", net.as("b", core::PreVoteReq{next}));
  EXPECT_FALSE(pre.granted);
  EXPECT_EQ(pre.reason, Refusal::promised);
  EXPECT_GT(pre.promise_left_ms, 300);  // until the 4T promise ends
  EXPECT_FALSE(net.answer("c", net.as("b", core::VoteReq{next, false})).granted);
  // Once the promise has ended, c, far, backs the watcher (that is what far members are for).
  net.run_for(ms(450));
  EXPECT_TRUE(net.answer("c", net.as("b", core::PreVoteReq{next})).granted);
}
// Rule: a leader refuses every vote while its lease holds, even to its own watcher, which may
// campaign once it missed the leader for 4T (a watcher cut off and back): backing it would end a
// leadership that still holds.
TEST(ElectionSafety, ALeaderRefusesItsWatcherWhileItsLeaseHolds) {
  FarCluster net;  // a leads; b is its watcher
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::uint64_t next = net["a"].max_term() + 1;
  const core::VoteResp pre = net.answer("a", net.as("b", core::PreVoteReq{next}));
  EXPECT_FALSE(pre.granted);
  EXPECT_EQ(pre.reason, Refusal::leader);
  const core::VoteResp vote = net.answer("a", net.as("b", core::VoteReq{next, false}));
  EXPECT_FALSE(vote.granted);
  EXPECT_EQ(vote.reason, Refusal::leader);
  EXPECT_TRUE(net["a"].is_leader(net.now()));
}

// Rule: a voter votes once in a term (docs/design.md §7, claim 2). Released from its vote (the
// leader it elected resigned), it still refuses another candidate's request for that term: such a
// request was sent before its candidate heard of the term (delayed in the network), and granting
// it could make a second leader of the same term, the same fencing token.
TEST(ElectionSafety, AVoterReleasedFromItsVoteRefusesTheSameTermToAnother) {
  FarCluster net;
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t term = a.term();
  // Who gave a its vote in that term.
  std::vector<std::string> voters;
  for (const auto& l : net.message_log()) {
    const auto* r = std::get_if<core::VoteResp>(&l.msg.env.body);
    if (r && !r->pre && r->granted && r->term == term && l.msg.to_name == "a") {
      voters.push_back(l.from);
    }
  }
  ASSERT_FALSE(voters.empty());
  const std::string voter = voters.front();
  const std::string other = voter == "d" ? "c" : "d";
  net.clear_leader("a");  // a resigns: every promise to it ends, and no one campaigns
  net.pump();
  ASSERT_FALSE(net[voter].leader().has_value());
  const core::VoteResp r = net.answer(voter, net.as(other, core::VoteReq{term, false}));
  EXPECT_FALSE(r.granted);
  EXPECT_EQ(r.reason, Refusal::already_voted);
  // A later term it may grant.
  EXPECT_TRUE(net.answer(voter, net.as(other, core::VoteReq{term + 1, false})).granted);
}

// Rule: only a member that is up in the process (boot) that asks is voted for. A request from
// its previous process, delayed in the network or replayed by its owner (who has the secret),
// is refused (not_member): that process is gone, and a vote for it would bind this voter to no
// one that can lead.
TEST(ElectionSafety, ARequestFromAProcessThatRestartedSinceIsRefused) {
  FarCluster net;
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t next = a.max_term() + 1;
  const core::Envelope old_request = net.as("c", core::VoteReq{next, false});
  net.clear_leader("a");  // no leader and no promise: only the rule under test refuses
  net.pump();
  const Config cfg = net["c"].config();
  net.crash("c", false);
  const std::size_t since = net.message_log().size();
  net.add(cfg, 2);
  // b hears from c's new process (here its first message, as c sent it to its seed).
  ASSERT_GT(net.message_log().size(), since);
  ASSERT_EQ(net.message_log()[since].from, "c");
  core::Envelope new_request = net.message_log()[since].msg.env;
  new_request.gossip.clear();
  new_request.body = core::Gossip{};
  net.deliver("b", new_request);
  const core::VoteResp r = net.answer("b", old_request);
  EXPECT_FALSE(r.granted);
  EXPECT_EQ(r.reason, Refusal::not_member);
  // The same request from c's new process is not refused for that reason.
  new_request.body = core::VoteReq{next, false};
  EXPECT_NE(net.answer("b", new_request).reason, Refusal::not_member);
}

// Rule: a candidate whose election settings differ is refused (settings_mismatch): its quorum and
// heartbeat interval, so the length of its lease, are not those this voter's promise is measured
// against (a candidate with a longer interval would count the vote longer than it binds).
TEST(ElectionSafety, ACandidateWithOtherElectionSettingsIsRefused) {
  FarCluster net;
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t next = a.max_term() + 1;
  net.clear_leader("a");
  net.pump();
  core::Envelope req = net.as("c", core::VoteReq{next, false});
  req.header.self.meta.settings_hash ^= 1;
  const core::VoteResp r = net.answer("b", req);
  EXPECT_FALSE(r.granted);
  EXPECT_EQ(r.reason, Refusal::settings_mismatch);
}

/// The last message `from` sent, its body replaced: a message as `from` would send it now.
core::Envelope as_sent_by(const sim::Cluster& net, const std::string& from, core::Body body) {
  const auto& log = net.message_log();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (it->from != from) continue;
    core::Envelope env = it->msg.env;
    env.body = std::move(body);
    env.gossip.clear();
    return env;
  }
  ADD_FAILURE() << from << " sent nothing";
  return {};
}

// Rule: a far member's proof of life (HeartbeatResp::alive_only) promises nothing, so the lease
// never counts it: a far member is bound to no one and may back one of the leader's watchers.
// Here seven nodes need four supporters (a majority): the leader and two watchers that still
// answer are three, and the one far member's proof of life must not make the fourth.
TEST(ElectionSafety, AFarMembersProofOfLifeDoesNotKeepTheLease) {
  StepCluster net({"a", "b", "c", "d", "e", "f", "g"});
  add_ranked(net, {"a", "b", "c", "d", "e", "f", "g"}, 4, 1);
  net.run_for(ms(1500));
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  const core::Envelope hb = last_heartbeat(net, "a", "b");
  const auto& watchers = std::get<core::Heartbeat>(hb.body).watchers;
  std::string far;
  for (const auto& name : net.names()) {
    if (name != "a" && std::find(watchers.begin(), watchers.end(), name) == watchers.end()) {
      far = name;
    }
  }
  ASSERT_FALSE(far.empty()) << "every member is a watcher";
  ASSERT_EQ(watchers.size(), 5u);  // the best candidate, and q members (q - 1 and a spare)
  for (std::size_t i = 2; i < watchers.size(); ++i) net.cut_one_way({watchers[i]}, {"a"});
  net.run_for(ms(300));
  ASSERT_TRUE(a.is_leader(net.now()));  // on the acknowledgements of 300 ms ago
  // The far member proves it is alive, answering the latest heartbeat.
  const core::Heartbeat latest =
      std::get<core::Heartbeat>(last_heartbeat(net, "a", watchers.front()).body);
  net.deliver("a", as_sent_by(net, far, core::HeartbeatResp{latest.term, latest.seq, true, true}));
  net.run_for(ms(60));  // 3.6T after the last acknowledgement
  EXPECT_FALSE(a.is_leader(net.now()));
}

// Rule: a process in its quiet period acknowledges no heartbeat (it answers ok = false): its
// predecessor's promises, to another leader or candidate, may still bind it, and a leader that
// counted it would rest its lease on a process bound elsewhere (docs/design.md §4, "Restart quiet
// period").
TEST(ElectionSafety, ARestartedProcessAcknowledgesNoHeartbeatWhileQuiet) {
  StepCluster net({"a", "b", "c"});
  add_ranked(net, {"a", "b", "c"}, 2);
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const Config cfg = net["b"].config();
  net.crash("b", false);
  core::NodeCore& b = net.add(cfg, 2);  // its saved promise to a binds it for a while yet
  const Time quiet_end = b.election().quiet_until();
  ASSERT_GT(quiet_end, net.now() + ms(300));
  int acks_while_quiet = 0, acks_after = 0;
  std::size_t seen = net.message_log().size();
  while (net.now() < quiet_end + ms(500)) {
    net.run_for(ms(1));
    for (; seen < net.message_log().size(); ++seen) {
      const std::string& from = net.message_log()[seen].from;
      const core::Outgoing& m = net.message_log()[seen].msg;
      const auto* r = std::get_if<core::HeartbeatResp>(&m.env.body);
      if (from == "b" && r && r->ok && !r->alive_only)
        ++(net.now() < quiet_end ? acks_while_quiet : acks_after);
    }
  }
  EXPECT_EQ(acks_while_quiet, 0);
  EXPECT_GT(acks_after, 0);  // a still leads, and b supports it again
}

// Rule: a Resign releases only the promise given for its term: a late one (delayed, or sent
// again) for an older term does not release a promise to the same node's newer leadership, which
// its lease counts (docs/design.md §7, claim 1, step 3).
TEST(ElectionSafety, ALateResignForAnOlderTermReleasesNoNewerPromise) {
  FarCluster net;
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  const std::uint64_t old_term = a.term();
  std::size_t since = net.message_log().size();
  net.clear_leader("a");
  net.pump();
  core::Envelope old_resign;
  for (std::size_t i = since; i < net.message_log().size(); ++i) {
    const std::string& from = net.message_log()[i].from;
    const core::Outgoing& m = net.message_log()[i].msg;
    if (from == "a" && m.to_name == "b" && std::holds_alternative<core::Resign>(m.env.body))
      old_resign = m.env;
  }
  ASSERT_TRUE(std::holds_alternative<core::Resign>(old_resign.body));
  ASSERT_EQ(net.elect("a"), core::ElectOutcome::started);  // a wins again, in a newer term
  net.pump();
  net.run_for(ms(300));
  ASSERT_TRUE(a.is_leader(net.now()));
  ASSERT_GT(a.term(), old_term);
  core::NodeCore& b = net["b"];
  net.deliver("b", old_resign);
  EXPECT_EQ(b.leader(), std::optional<std::string>("a"));
  const core::VoteResp r = net.answer("b", net.as("d", core::PreVoteReq{a.max_term() + 1}));
  EXPECT_FALSE(r.granted);
  EXPECT_EQ(r.reason, Refusal::promised);
}

// Rule: the transport's word that a process ended releases only the support given to that
// process (boot): a late signal about a leader's previous process does not release the promise
// its new process holds (docs/design.md §7, claim 1, step 3).
TEST(ElectionSafety, AGoneSignalForAPreviousProcessReleasesNoPromiseToTheNewOne) {
  FarCluster net;
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const Config cfg = net["a"].config();
  net.crash("a", false);  // a's process ends unseen, and a starts again
  net.add(cfg, 2);
  net.run_for(ms(3000));  // a, ranking first, leads again by handover
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  core::NodeCore& b = net["b"];
  ASSERT_EQ(b.leader(), std::optional<std::string>("a"));
  const auto changes = net.count<LeaderChanged>("b");
  net.peer_gone("b", "a", 1);  // the old process's connection, closing late
  net.pump();
  EXPECT_EQ(b.leader(), std::optional<std::string>("a"));
  EXPECT_EQ(net.count<LeaderChanged>("b"), changes);
  EXPECT_EQ(net.answer("b", net.as("d", core::PreVoteReq{b.max_term() + 1})).reason,
            Refusal::promised);
}

}  // namespace
}  // namespace elector
