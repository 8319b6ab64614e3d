// Protocol scenarios on a simulated cluster. Every run checks the invariants after each step;
// each test also asserts what its scenario is about.
#include <gtest/gtest.h>

#include "sim/faults.hpp"
#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

TEST(Scenario, LeaderCrashSignalledIsReplacedAtOnce) {
  Cluster c(options(5));
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.run_for(ms(1000));
  const Time crash = c.now();
  c.crash("box1", true);
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  // box2 started 1 ms after box1; the uptime estimates of nodes started within a network delay
  // of each other may rank box3 first, so any survivor may win.
  EXPECT_NE(*c.agreed_leader(), "box1");
  // Signalled by the transport: a few network latencies, far below 4T.
  EXPECT_LT(c.now() - crash, ms(50));
}

TEST(Scenario, FrozenLeaderIsReplacedAndStepsDownAtLeaseEnd) {
  auto o = options(5);
  o.base.quorum_size = 3;
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.run_for(ms(1000));
  const Time freeze = c.now();
  c.freeze("box1");
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_LE(c.now() - freeze, 4 * ms(100) + ms(100));
  const Time lease_end = c.node("box1")->lease_end();
  EXPECT_FALSE(c.node("box1")->is_leader(c.now()));  // the lease ran out while frozen
  c.thaw("box1");
  c.run_for(ms(500));
  const auto lost = events_of<LeadershipLost>(c, "box1");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].reason, LossReason::lease_expired);
  EXPECT_EQ(lost[0].effective, lease_end);
  EXPECT_LT(lost[0].effective, c.now() - ms(400));
  EXPECT_TRUE(c.agreed_leader().has_value());
  EXPECT_TRUE(c.invariants().violations().empty());
}

// A leader whose lease rests on its last q - 1 live supporters loses one of them: the lease ends
// when it learns of that, not at the end of an older, stale acknowledgement (is_leader() was true
// until then), so the reported end is not back-dated.
TEST(Scenario, LosingASupporterEndsTheLeaseWhenItIsLearnedNotEarlier) {
  auto o = options(5);
  o.base.quorum_size = 3;
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.run_for(ms(1000));
  // box4 and box5 stop acknowledging but stay up in box1's view for a while.
  c.freeze("box4");
  c.freeze("box5");
  c.run_for(ms(500));  // longer than the lease: only box2 and box3 keep it
  ASSERT_TRUE(c.node("box1")->is_leader(c.now()));
  const Time crash = c.now();
  c.crash("box3");  // signalled: box1 drops it from the lease at once
  c.run_for(ms(300));
  const auto lost = events_of<LeadershipLost>(c, "box1");
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_GE(lost[0].effective, crash);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, PriorityBox1ReturnsAndLeadsWithoutALongGap) {
  auto o = options(4);
  o.base.strategy = "priority";
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.crash("box1", true);
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box2"); }, ms(5000)));
  c.run_for(ms(1000));
  c.start("box1");
  // Watch for the longest instant with no valid lease while box1 takes over.
  Duration longest_gap{};
  Time gap_start = kNever;
  const bool back = c.run_until(
      [&] {
        const bool none = c.leaders_now().empty();
        if (none && gap_start == kNever) gap_start = c.now();
        if (!none && gap_start != kNever) {
          longest_gap = std::max(longest_gap, c.now() - gap_start);
          gap_start = kNever;
        }
        return agreed_on(c, "box1");
      },
      ms(10000));
  ASSERT_TRUE(back);
  EXPECT_LT(longest_gap, ms(50));  // one handover election, not a lease timeout
  const auto lost = events_of<LeadershipLost>(c, "box2");
  ASSERT_FALSE(lost.empty());
  EXPECT_EQ(lost.back().reason, LossReason::handover);
}

// box1 resigns when its quorum goes away (excluding itself from the next election). When the
// quorum returns, box2 may win before box1's vote arrives; box1's late vote still shows that it
// is reachable, so box2 hands the leadership back to the best candidate.
TEST(Scenario, QuorumReturnsAndTheBestCandidateLeadsAgain) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto o = options(5, seed);
    o.base.quorum_size = 3;
    o.base.strategy = "priority";
    Cluster c(o);
    c.start_all();
    ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000))) << "seed " << seed;
    for (const char* b : {"box3", "box4", "box5"}) c.crash(b);
    ASSERT_TRUE(c.run_until([&] { return c.leaders_now().empty(); }, ms(2000))) << "seed " << seed;
    c.run_for(ms(50));
    for (const char* b : {"box3", "box4", "box5"}) {
      c.restart(b);
      c.run_for(ms(200));
    }
    EXPECT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(10000))) << "seed " << seed;
    EXPECT_TRUE(c.invariants().violations().empty()) << "seed " << seed;
  }
}

TEST(Scenario, RejoiningNodeDoesNotDisruptAHealthyLeader) {
  auto o = options(5);
  o.base.quorum_size = 3;
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  const std::uint64_t term = c.node("box1")->term();
  c.partition({{"box5"}, {"box1", "box2", "box3", "box4"}});
  c.run_for(ms(10000));  // box5 keeps trying to elect itself, alone
  c.heal();
  c.run_for(ms(10000));
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_EQ(c.node("box1")->term(), term);
  EXPECT_EQ(c.acquisitions(), 1u);
}

TEST(Scenario, HooksRunInOrderAndAHungHookDoesNotBlock) {
  auto o = options(3);
  o.base.pre_election_hooks = {"pre-a", "pre-b"};
  o.base.post_election_hooks = {"post"};
  o.base.hook_timeout = ms(1000);
  Cluster c(o);
  c.hang_hooks("box1", true);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  // The election finished long before the hung hooks would have ended.
  const auto fin = events_of<ElectionFinished>(c, "box1");
  ASSERT_FALSE(fin.empty());
  EXPECT_LT(fin[0].took, ms(100));
  c.run_for(ms(5000));
  std::vector<std::string> order;
  for (const auto& r : c.hook_runs()) {
    if (r.node != "box1") continue;
    order.push_back(r.command);
    EXPECT_TRUE(r.killed);
    EXPECT_EQ(r.ended - r.started, ms(1000));
  }
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order[0], "pre-a");
  EXPECT_EQ(order[1], "pre-b");
  EXPECT_EQ(order[2], "post");
  // local execution: followers ran no hooks for box1's election.
  for (const auto& r : c.hook_runs()) EXPECT_EQ(r.node, "box1");
}

TEST(Scenario, GlobalHooksRunOnEveryNode) {
  auto o = options(3);
  o.base.hooks_execution = HooksExecution::global;
  o.base.post_election_hooks = {"post"};
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  c.run_for(ms(1000));
  std::set<std::string> ran;
  for (const auto& r : c.hook_runs()) {
    ran.insert(r.node);
    EXPECT_FALSE(r.killed);
    EXPECT_EQ(r.request.leader, c.agreed_leader());
  }
  EXPECT_EQ(ran.size(), 3u);
}

TEST(Scenario, CallbacksFireExactlyWhenTheyShould) {
  auto o = options(5);
  o.base.quorum_size = 3;
  Cluster c(o);
  c.start_all();
  c.run_for(ms(2000));
  sim::FaultOptions fo;
  fo.duration = ms(20000);
  sim::inject_faults(c, 7, fo);
  c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000));
  // Per process (node and boot): a restarted node starts with nothing seen.
  using Proc = std::pair<std::string, std::uint64_t>;
  // LeaderChanged reports a change of (leader, term): the same node in a newer term is a new
  // leadership (a frozen follower can see box3's term 12 and then its term 15 in one step).
  std::map<Proc, std::pair<std::optional<std::string>, std::uint64_t>> seen;
  std::map<Proc, bool> leading;
  std::map<std::string, std::set<std::uint64_t>> won;
  int changes = 0;
  for (const auto& t : c.trace()) {
    const Proc p{t.node, t.boot};
    if (const auto* lc = std::get_if<LeaderChanged>(&t.event)) {
      auto it = seen.find(p);
      const std::pair<std::optional<std::string>, std::uint64_t> now_seen{lc->leader, lc->term};
      if (it != seen.end()) {
        EXPECT_NE(it->second, now_seen) << "repeated leader_changed";
      }
      seen[p] = now_seen;
      ++changes;
    } else if (const auto* a = std::get_if<LeadershipAcquired>(&t.event)) {
      EXPECT_FALSE(leading[p]);
      EXPECT_TRUE(won[t.node].insert(a->term).second) << "on_elected twice for one term";
      leading[p] = true;
    } else if (std::get_if<LeadershipLost>(&t.event)) {
      EXPECT_TRUE(leading[p]) << "on_demoted on a node that did not lead";
      leading[p] = false;
    }
  }
  EXPECT_GT(changes, 10);
  EXPECT_GT(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, SameSeedReplaysExactly) {
  auto run = [](std::uint64_t seed) {
    auto o = options(7, seed);
    o.base.quorum_size = 4;
    Cluster c(o);
    c.start_all();
    c.run_for(ms(1500));
    sim::FaultOptions fo;
    fo.duration = ms(8000);
    const auto log = sim::inject_faults(c, seed, fo);
    c.run_for(ms(5000));
    std::string sig = std::to_string(c.stats().messages) + "/" + std::to_string(c.acquisitions());
    for (const auto& l : log.lines) sig += l;
    for (const auto& t : c.trace()) sig += t.node + event_name(t.event);
    return sig;
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

// ---- Near and far followers: the leader heartbeats its watchers every T, others rarely.

/// Messages of `kind` sent so far.
std::uint64_t sent(const Cluster& c, const std::string& kind) {
  const auto it = c.stats().by_kind.find(kind);
  return it == c.stats().by_kind.end() ? 0 : it->second;
}

/// Messages of `kind` sent per node per simulated second over the next `d`.
double sent_per_node_per_s(Cluster& c, const std::string& kind, Duration d) {
  const auto before = sent(c, kind);
  c.run_for(d);
  return static_cast<double>(sent(c, kind) - before) / static_cast<double>(c.names().size()) /
         (static_cast<double>(to_ms(d)) / 1000.0);
}

double heartbeats_per_node_per_s(Cluster& c, Duration d) {
  return sent_per_node_per_s(c, "heartbeat", d);
}

sim::Options hundred(int watchers = 4) {
  auto o = options(100);
  // These scenarios are about far members: with a lease of one supporter, all but the four
  // watchers are far (the default majority makes half of them supporters, hence watchers).
  o.base.quorum_size = 1;
  o.base.strategy = "priority";
  o.base.heartbeat_watchers = watchers;
  return o;
}

/// Starts every node and waits until box1 leads, then 2 s more (the start's gossip settles).
void form(Cluster& c) {
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.run_for(ms(2000));
}

TEST(Scenario, FarFollowersOfAHundredAreHeartbeatedOncePerSecond) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  // 4 watchers 10 times a second and 95 far members once: 135 heartbeats a second.
  const double rate = heartbeats_per_node_per_s(c, ms(10000));
  EXPECT_GT(rate, 1.2);
  EXPECT_LT(rate, 1.5);
  // Far followers never gave the leader up, though 4T passes many times between heartbeats.
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

/// How `observer` sees `member` (nullopt: not in its view).
std::optional<MemberStatus> status_in(Cluster& c, const std::string& observer,
                                      const std::string& member) {
  const Member* m = c.node(observer)->membership().find(member);
  if (!m) return std::nullopt;
  return m->status;
}

TEST(Scenario, FarFollowersLeaveProbingToTheLeader) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  // The leader and its 4 watchers probe; the 95 far members do not (one probe per second each
  // before: 1.0 pings per node per second).
  for (const auto& n : c.names()) {
    const bool probes = c.node(n)->membership().probing();
    EXPECT_EQ(probes, n == "box1" || n == "box2" || n == "box3" || n == "box4" || n == "box5") << n;
  }
  EXPECT_LT(sent_per_node_per_s(c, "ping", ms(10000)), 0.1);
  // Nobody is suspected meanwhile: every far member proves itself alive to the leader.
  for (const auto& n : c.names()) {
    if (n != "box1") {
      EXPECT_EQ(status_in(c, "box1", n), MemberStatus::alive) << n;
    }
  }
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, FrozenFarFollowerIsDeclaredDeadThroughTheLeaderAndRejoinsWhenThawed) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  const Time freeze = c.now();
  c.freeze("box60");
  // Silent for three far intervals (3 s), then suspected for the minimum suspicion timeout
  // (4 probe intervals x log10(100) = 8 s; without the leader's word, nobody probing box60 to
  // confirm a suspicion, 48 s): dead everywhere within ~11 s and gossip.
  ASSERT_TRUE(c.run_until(
      [&] {
        for (const auto& n : c.names()) {
          if (n != "box60" && status_in(c, n, "box60") != MemberStatus::dead) return false;
        }
        return true;
      },
      ms(20000)));
  EXPECT_GE(c.now() - freeze, ms(8000));
  EXPECT_LE(c.now() - freeze, ms(3000 + 8000 + 3000));
  c.thaw("box60");
  ASSERT_TRUE(
      c.run_until([&] { return status_in(c, "box1", "box60") == MemberStatus::alive; }, ms(20000)));
  c.run_for(ms(5000));
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, FarFollowersProbeAgainWhileTheyHaveNoLeader) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  // The leader and its watchers frozen: the far members give box1 up after 4 far intervals and
  // watch one another again until a new leader takes over.
  for (const char* n : {"box1", "box2", "box3", "box4", "box5"}) c.freeze(n);
  ASSERT_TRUE(c.run_until([&] { return c.node("box60")->membership().probing(); }, ms(6000)));
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(10000)));
  c.run_for(ms(3000));
  EXPECT_FALSE(c.node("box60")->membership().probing());
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, ALeadersCrashSignalReachesItsWatchersNotItsFarFollowers) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  // Far members hear the leader by datagram only: once the joins' connections idle out (60 s),
  // the leader holds connections to its watchers and to a few push-pull partners.
  c.run_for(ms(61000));
  const auto signals = c.stats().crash_signals;
  const auto gossip = sent(c, "gossip");
  const Time crash = c.now();
  c.crash("box1", true);
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box2"); }, ms(5000), ms(1)));
  EXPECT_LT(c.now() - crash, ms(100));  // the watchers heard at once; the others voted for one
  // The far members learn of the death second-hand (from the votes and the heartbeats) and
  // leave it to the election to spread.
  EXPECT_LT(sent(c, "gossip") - gossip, 40u);  // 213 when each spread it by gossip
  EXPECT_GE(c.stats().crash_signals - signals, 4u);
  EXPECT_LT(c.stats().crash_signals - signals, 20u);  // of 99 survivors
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, CrashedFarFollowerIsSignalledOnlyToItsFewConnectionsAndDeclaredDeadEverywhere) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  c.run_for(ms(61000));
  // A far member holds connections only from its push-pulls (one each way per 45 s at 100).
  const std::vector<std::string> peers = c.connected("box60");
  EXPECT_LE(peers.size(), 4u);
  const auto signals = c.stats().crash_signals;
  const Time crash = c.now();
  c.crash("box60", true);
  // The leader knows within three far intervals and the minimum suspicion (as for a frozen far
  // follower), sooner if it was one of the connected peers or heard one of them.
  ASSERT_TRUE(
      c.run_until([&] { return status_in(c, "box1", "box60") == MemberStatus::dead; }, ms(20000)));
  EXPECT_LE(c.now() - crash, ms(3000 + 8000 + 1000));
  EXPECT_EQ(c.stats().crash_signals - signals, peers.size());
  // Far members send little but their answers to the leader, so the news reaches most by
  // gossip and the last ones by push-pull.
  ASSERT_TRUE(c.run_until(
      [&] {
        for (const auto& n : c.names()) {
          if (n != "box60" && status_in(c, n, "box60") != MemberStatus::dead) return false;
        }
        return true;
      },
      ms(60000)));
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, WithEveryMemberAWatcherTheLeaderHeartbeatsAllEveryT) {
  Cluster c(hundred(1000));
  c.set_tracing(false);
  form(c);
  EXPECT_GT(heartbeats_per_node_per_s(c, ms(5000)), 9.5);  // 99 members every T
}

TEST(Scenario, FrozenLeaderOfAHundredIsReplacedWithin4TPlusOneElection) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  const Time freeze = c.now();
  c.freeze("box1");
  // box2, the best watcher, misses box1 for 4T and campaigns; the far followers, who would
  // give box1 up only after 4 s, vote for it because box1 named it a watcher.
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_EQ(*c.agreed_leader(), "box2");
  EXPECT_LE(c.now() - freeze, 4 * ms(100) + ms(200));
  c.thaw("box1");
  c.run_for(ms(3000));  // box1 is back and better: it takes over by handover
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, CrashedLeaderOfAHundredIsReplacedAtOnceByFarFollowersToo) {
  Cluster c(hundred());
  c.set_tracing(false);
  form(c);
  const Time crash = c.now();
  const auto sent = [&](const char* kind) {
    const auto& k = c.stats().by_kind;
    return k.count(kind) ? k.at(kind) : std::uint64_t{0};
  };
  const std::uint64_t pre_votes = sent("pre_vote"), votes = sent("vote");
  c.crash("box1", true);
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_EQ(*c.agreed_leader(), "box2");
  EXPECT_LT(c.now() - crash, ms(50));
  // box1's process is known gone: no pre-vote round. 50 of 99 votes win: box2 asks 49 others and
  // a margin of 6, not all 98.
  EXPECT_EQ(sent("pre_vote"), pre_votes);
  EXPECT_EQ(sent("vote") - votes, 55u);
}

TEST(Scenario, FrozenLeaderWithMajorityQuorumAndFarMembersIsReplaced) {
  auto o = options(15);
  o.base.strategy = "priority";
  o.base.quorum_size = 8;
  o.base.heartbeat_watchers = 2;  // 2 candidates and 8 supporters: 4 far members
  Cluster c(o);
  form(c);
  c.run_for(ms(1000));
  EXPECT_EQ(c.acquisitions(), 1u);  // the lease rests on the watchers alone
  const Time freeze = c.now();
  c.freeze("box1");
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_LE(c.now() - freeze, 4 * ms(100) + ms(200));
  c.thaw("box1");
  c.run_for(ms(3000));
  EXPECT_TRUE(c.agreed_leader().has_value());
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, FarFollowerRestartingOrRejoiningDoesNotDisrupt) {
  auto o = options(30);
  o.base.strategy = "priority";
  o.base.quorum_size = 16;  // 4 candidate watchers and 16 supporters: box30 is far
  Cluster c(o);
  form(c);
  const std::uint64_t term = c.node("box1")->term();
  c.crash("box30", true);
  c.run_for(ms(500));
  c.restart("box30");
  c.run_for(ms(5000));
  EXPECT_TRUE(agreed_on(c, "box1"));
  std::vector<std::string> rest;
  for (const auto& n : c.names()) {
    if (n != "box29") rest.push_back(n);
  }
  c.partition({{"box29"}, rest});
  c.run_for(ms(10000));  // box29 gives box1 up after 4 far intervals and campaigns, alone
  c.heal();
  c.run_for(ms(10000));
  EXPECT_TRUE(agreed_on(c, "box1"));
  EXPECT_EQ(c.node("box1")->term(), term);
  EXPECT_EQ(c.acquisitions(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, LeaderFrozenWithAllItsWatchersIsReplacedAfterFourFarIntervals) {
  auto o = options(12);
  o.base.quorum_size = 1;  // far members (see hundred())
  o.base.strategy = "priority";
  o.base.heartbeat_watchers = 2;  // box2 and box3
  Cluster c(o);
  form(c);
  const Time freeze = c.now();
  for (const char* n : {"box1", "box2", "box3"}) c.freeze(n);
  // No watcher campaigns, and the far members refuse one another while they believe box1
  // alive: they give it up after 4 far intervals (4 s), then elect among themselves.
  c.run_for(ms(3500));
  EXPECT_FALSE(c.agreed_leader().has_value());
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(5000)));
  EXPECT_LE(c.now() - freeze, 4 * ms(1000) + ms(1000));
  // Far members give box1 up at different moments (each got its last heartbeat in its own
  // turn), so any of them may win first; the best, box4, then gets it by handover.
  c.run_for(ms(3000));
  EXPECT_TRUE(agreed_on(c, "box4"));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, ThousandNodesElectOneLeader) {
  auto o = options(1000, 42);
  o.start_stagger = std::chrono::microseconds(500);
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000), ms(10)));
  EXPECT_EQ(*c.agreed_leader(), "box1");
  EXPECT_EQ(c.leaders_now().size(), 1u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, WhenOnlyTheWatchersHearOfALeadersCrashTheOthersFollowTheSuccessorAtOnce) {
  // Far followers vote for a watcher while they still back the leader (it named the watcher),
  // and follow the winner's heartbeat: they need no crash signal of their own. So a far follower
  // needs no connection to the leader (docs/performance.md, "who hears first").
  auto o = options(450, 5);
  o.base.quorum_size = 1;  // far members (see hundred())
  o.base.strategy = "priority";
  o.start_stagger = ms(2);
  // In priority order box2..box5 are box1's four watchers; nobody else hears of the crash.
  o.crash_signal_delay = [](const std::string& peer) -> std::optional<Duration> {
    const int k = std::stoi(peer.substr(3));
    if (k <= 5) return Duration::zero();
    return std::nullopt;
  };
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(20000), ms(1)));
  c.run_for(ms(30000));  // the membership settles
  const Time crash = c.now();
  c.crash("box1", true);
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(20000), ms(1)));
  EXPECT_EQ(*c.agreed_leader(), "box2");
  EXPECT_LT(c.now() - crash, ms(50));
  EXPECT_EQ(c.node("box2")->election().campaign_counts().refusals.size(), 0u);
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, LeaderCrashInABigClustersFirstSecondsReachesMembersTheSuccessorDidNotKnow) {
  auto o = options(450, 3);
  o.base.strategy = "priority";
  o.start_stagger = ms(2);
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  // Everyone joined through box1, which leads; gossip has not yet introduced every member to box2.
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(20000), ms(1)));
  int unknown = 0;
  for (const auto& name : c.names()) {
    if (name != "box2" && !c.node("box2")->membership().find(name)) ++unknown;
  }
  ASSERT_GT(unknown, 10);
  const Time crash = c.now();
  c.crash("box1", true);
  // box2 wins at once and heartbeats whom it knows. The others wait their rank turn (16T), then
  // make themselves known to the best candidate, which heartbeats them: without that they would
  // wait about 14 s for gossip.
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(20000), ms(1)));
  EXPECT_EQ(*c.agreed_leader(), "box2");
  EXPECT_LT(c.now() - crash, ms(3000));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Scenario, BigClusterHeartbeatsFarMembersLessOften) {
  // 200 members: big_cluster_factor 2, so a far member gets a heartbeat every 2 s (20T), not 1 s.
  auto o = options(200, 42);
  o.base.quorum_size = 1;  // far members (see hundred())
  Cluster c(o);
  c.set_tracing(false);
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000), ms(10)));
  c.run_for(ms(3000));
  const std::uint64_t before =
      c.stats().by_kind.count("heartbeat") ? c.stats().by_kind.at("heartbeat") : 0;
  c.run_for(ms(10000));
  const double per_s = static_cast<double>(c.stats().by_kind.at("heartbeat") - before) / 10.0;
  // Watchers every T (4 x 10/s) plus 195 far members: 137.5/s at 2 s, 235/s at 1 s.
  EXPECT_GT(per_s, 120.0);
  EXPECT_LT(per_s, 160.0);
  EXPECT_EQ(c.leaders_now().size(), 1u);
}

}  // namespace
}  // namespace elector::test
