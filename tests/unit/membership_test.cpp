// SWIM membership driven by hand: a few Membership instances wired with instant delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/membership.hpp"

namespace elector {
namespace {

const Time kT0 = Time(std::chrono::hours(1));
const Duration kStep = ms(10);

std::string addr_of(const std::string& name) {
  return name + ":7946";
}

struct Node {
  std::string name;
  std::string addr;
  std::uint64_t boot = 1;
  std::unique_ptr<core::Rng> rng;
  std::unique_ptr<core::Membership> m;
  core::Outbox out;
  std::vector<Event> events;
};

struct Delivered {
  std::string from;
  std::string to;
  core::Envelope env;
};

/// Membership instances that reach each other instantly (or not at all, when cut or crashed).
struct Net {
  MembershipTuning tuning;
  Time now = kT0;
  std::map<std::string, std::unique_ptr<Node>> nodes;
  std::set<std::string> cut;      // messages to and from these are dropped; they still tick
  std::set<std::string> crashed;  // dropped and no longer ticked
  std::vector<Delivered> log;     // every message delivered, in order
  /// Every push-pull sent, by receiver address, delivered or not.
  std::map<std::string, int> push_pulls_to;

  /// Creates `name` and starts it with `seeds`; messages are not exchanged yet.
  Node& create(const std::string& name, std::vector<std::string> seeds, std::uint64_t boot = 1) {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->addr = addr_of(name);
    n->boot = boot;
    std::uint64_t seed = boot * 7919;
    for (const char ch : name) seed = seed * 131 + static_cast<unsigned char>(ch);
    n->rng = std::make_unique<core::Rng>(seed);
    core::MemberUpdate self;
    self.name = name;
    self.addr = n->addr;
    self.boot = boot;
    self.meta.settings_hash = 77;
    n->m = std::make_unique<core::Membership>(tuning, self, now, *n->rng);
    n->m->start(now, seeds, n->out);
    Node& ref = *n;
    nodes[name] = std::move(n);
    crashed.erase(name);
    cut.erase(name);
    return ref;
  }
  /// Creates and starts `name` (joining through `seed` when given) and exchanges messages.
  Node& add(const std::string& name, const std::string& seed = "", std::uint64_t boot = 1) {
    std::vector<std::string> seeds;
    if (!seed.empty()) seeds.push_back(addr_of(seed));
    Node& n = create(name, seeds, boot);
    flush();
    return n;
  }
  Node& node(const std::string& name) { return *nodes.at(name); }
  core::Membership& m(const std::string& name) { return *nodes.at(name)->m; }

  bool reachable(const std::string& name) const { return !cut.count(name) && !crashed.count(name); }

  Node* target_of(const core::Outbox::Msg& msg) {
    if (!msg.to_name.empty()) {
      auto it = nodes.find(msg.to_name);
      return it == nodes.end() ? nullptr : it->second.get();
    }
    for (auto& [name, n] : nodes) {
      if (n->addr == msg.to_addr) return n.get();
    }
    return nullptr;
  }

  /// Turns `n`'s outbox into envelopes (header and gossip filled as NodeCore does).
  std::vector<std::pair<Node*, core::Envelope>> drain(Node& n) {
    std::vector<std::pair<Node*, core::Envelope>> res;
    for (auto& e : n.out.events) n.events.push_back(std::move(e));
    n.out.events.clear();
    for (auto& msg : n.out.msgs) {
      if (std::holds_alternative<core::PushPull>(msg.body)) ++push_pulls_to[msg.to_addr];
      core::Envelope env;
      env.header.self = n.m->self_record(now);
      env.body = std::move(msg.body);
      env.gossip = n.m->take_gossip();
      res.emplace_back(target_of(msg), std::move(env));
    }
    n.out.msgs.clear();
    return res;
  }

  /// Delivers every pending message (and the ones they cause) at `now`.
  void flush() {
    std::deque<std::tuple<std::string, Node*, core::Envelope>> q;
    auto collect = [&] {
      for (auto& [name, n] : nodes) {
        for (auto& [to, env] : drain(*n)) q.emplace_back(name, to, std::move(env));
      }
    };
    collect();
    while (!q.empty()) {
      auto [from, to, env] = std::move(q.front());
      q.pop_front();
      if (to && reachable(from) && reachable(to->name)) {
        log.push_back(Delivered{from, to->name, env});
        to->m->on_envelope(now, env, 0, to->out);
      }
      collect();
    }
  }

  void step() {
    now += kStep;
    for (auto& [name, n] : nodes) {
      if (!crashed.count(name)) n->m->tick(now, n->out);
    }
    flush();
  }
  void run(Duration d) {
    const Time end = now + d;
    while (now < end) step();
  }
  /// Steps until `pred` holds or `limit` passes; the instant it first held.
  std::optional<Time> run_until(const std::function<bool()>& pred, Duration limit) {
    const Time end = now + limit;
    while (!pred()) {
      if (now >= end) return std::nullopt;
      step();
    }
    return now;
  }
};

template <class E>
std::vector<E> events_of(const Node& n) {
  std::vector<E> res;
  for (const auto& e : n.events) {
    if (const auto* x = std::get_if<E>(&e)) res.push_back(*x);
  }
  return res;
}

int ups(const Node& n, const std::string& member) {
  int k = 0;
  for (const auto& e : events_of<MemberUp>(n)) k += e.member == member ? 1 : 0;
  return k;
}

std::vector<std::string> downs(const Node& n, const std::string& member) {
  std::vector<std::string> reasons;
  for (const auto& e : events_of<MemberDown>(n)) {
    if (e.member == member) reasons.emplace_back(to_string(e.reason));
  }
  return reasons;
}

std::optional<core::MemberStatus> status(const core::Membership& m, const std::string& member) {
  const core::Member* x = m.find(member);
  if (!x) return std::nullopt;
  return x->status;
}

/// a, then b and c through a and d through b.
void add_four(Net& net) {
  net.add("a");
  net.add("b", "a");
  net.add("c", "a");
  net.add("d", "b");
}

TEST(Membership, SeedJoinSendsPushPullToTheSeedAddress) {
  Net net;
  Node& b = net.create("b", {addr_of("a")});
  EXPECT_FALSE(b.m->joined());
  ASSERT_EQ(b.out.msgs.size(), 1u);
  const auto& msg = b.out.msgs[0];
  EXPECT_EQ(msg.to_name, "");
  EXPECT_EQ(msg.to_addr, addr_of("a"));
  const auto* pp = std::get_if<core::PushPull>(&msg.body);
  ASSERT_NE(pp, nullptr) << core::body_name(msg.body);
  EXPECT_TRUE(pp->join);
  EXPECT_TRUE(pp->want_reply);
  ASSERT_NE(pp->state, nullptr);
  ASSERT_FALSE(pp->state->empty());
  EXPECT_EQ(pp->state->front().name, "b");
  EXPECT_EQ(pp->state->front().status, core::MemberStatus::alive);
}

TEST(Membership, OwnAddressAsSeedIsIgnored) {
  Net net;
  Node& a = net.create("a", {addr_of("a")});
  EXPECT_TRUE(a.out.msgs.empty());
  EXPECT_TRUE(a.m->joined());
}

/// Ticks `n` alone for `steps` steps of kStep and returns when it sent a push-pull to `to_addr`
/// (only joins if `joins_only`).
std::vector<Time> push_pulls_to(Net& net, Node& n, const std::string& to_addr, int steps,
                                bool joins_only) {
  n.out.msgs.clear();
  std::vector<Time> sent;
  for (int i = 0; i < steps; ++i) {
    net.now += kStep;
    n.m->tick(net.now, n.out);
    for (const auto& msg : n.out.msgs) {
      const auto* pp = std::get_if<core::PushPull>(&msg.body);
      if (pp && (pp->join || !joins_only) && msg.to_addr == to_addr) sent.push_back(net.now);
    }
    n.out.msgs.clear();
  }
  return sent;
}

TEST(Membership, UnansweredJoinIsRetriedWithBackoff) {
  Net net;
  Node& b = net.create("b", {addr_of("nobody")});
  const std::vector<Time> sent = push_pulls_to(net, b, addr_of("nobody"), 100, true);  // 1 s
  // join_retry_min 100 ms, doubling: retries at +100, +300, +700 ms.
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], kT0 + ms(100));
  EXPECT_EQ(sent[1], kT0 + ms(300));
  EXPECT_EQ(sent[2], kT0 + ms(700));
  EXPECT_FALSE(b.m->joined());
}

TEST(Membership, AJoinerAsksItsSeedOnlyAsTheBackoffAllows) {
  // No reconnect to the seeds on top of the backed-off joins while still joining: seeds slowed by
  // a thousand joiners fell further behind with each extra request.
  Net net;
  Node& b = net.create("b", {addr_of("nobody")});
  // Every push-pull, not only joins: a reconnect to the seeds would count too.
  const std::vector<Time> sent = push_pulls_to(net, b, addr_of("nobody"), 1000, false);  // 10 s
  // Retries at +100, +300, +700, +1500, +3100 and +6300 ms (the backoff doubles up to 5 s).
  ASSERT_EQ(sent.size(), 6u);
  EXPECT_EQ(sent.back(), kT0 + ms(6300));
}

TEST(Membership, ASeedSendsItsListToAJoinerOncePerRetryLimit) {
  // A seed too busy to answer at once receives the joiner's retries (100 ms, 200 ms, ...) on top
  // of its first join; the first answer, over TCP, serves them all.
  Net net;
  net.add("a");
  Node& b = net.create("b", {addr_of("a")});
  auto answers = [&] {
    int k = 0;
    for (const auto& d : net.log) {
      const auto* pp = std::get_if<core::PushPull>(&d.env.body);
      k += d.from == "a" && d.to == "b" && pp && pp->state && !pp->want_reply ? 1 : 0;
    }
    return k;
  };
  net.cut = {"b"};  // b's joins pile up unanswered, as at a seed that cannot keep up
  for (int i = 0; i < 100; ++i) {
    net.now += kStep;
    b.m->tick(net.now, b.out);
  }
  std::vector<core::Envelope> joins;
  for (auto& [to, env] : net.drain(b)) {
    if (to && to->name == "a") joins.push_back(env);
  }
  ASSERT_GE(joins.size(), 4u);  // +100, +300, +700 ms and the first
  net.cut.clear();
  for (const auto& env : joins) {
    net.node("a").m->on_envelope(net.now, env, 0, net.node("a").out);
    net.flush();
  }
  EXPECT_EQ(answers(), 1);
  EXPECT_EQ(net.m("a").up_count(), 1u);
  // A later join (b lost the answer with its connection) is answered again.
  net.now += ms(5000);
  net.node("a").m->on_envelope(net.now, joins.back(), 0, net.node("a").out);
  net.flush();
  EXPECT_EQ(answers(), 2);
  // So is a new process under the name, at once.
  Node& b2 = net.create("b", {addr_of("a")}, 2);
  net.flush();
  (void)b2;
  EXPECT_EQ(answers(), 3);
}

TEST(Membership, TwoNodesKnowEachOtherAfterJoin) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  EXPECT_TRUE(a.m->joined());
  EXPECT_TRUE(b.m->joined());
  EXPECT_EQ(a.m->up_count(), 1u);
  EXPECT_EQ(b.m->up_count(), 1u);
  EXPECT_EQ(ups(a, "b"), 1);
  EXPECT_EQ(ups(b, "a"), 1);
  EXPECT_EQ(status(*a.m, "b"), core::MemberStatus::alive);
  EXPECT_EQ(status(*b.m, "a"), core::MemberStatus::alive);
  ASSERT_NE(a.m->find("b"), nullptr);
  EXPECT_EQ(a.m->find("b")->addr(), addr_of("b"));
  EXPECT_EQ(a.m->find("b")->meta().settings_hash, 77u);
  // Nobody lists itself as a member.
  EXPECT_EQ(a.m->find("a"), nullptr);
  EXPECT_EQ(b.m->find("b"), nullptr);
}

TEST(Membership, StartedIsTakenFromTheReportedAge) {
  Net net;
  net.add("a");
  net.now += ms(5000);
  Node& b = net.add("b", "a");
  const core::Member* a_at_b = b.m->find("a");
  ASSERT_NE(a_at_b, nullptr);
  ASSERT_TRUE(a_at_b->started.has_value());
  EXPECT_EQ(*a_at_b->started, kT0);
  const core::Member* b_at_a = net.m("a").find("b");
  ASSERT_NE(b_at_a, nullptr);
  ASSERT_TRUE(b_at_a->started.has_value());
  EXPECT_EQ(*b_at_a->started, kT0 + ms(5000));
}

TEST(Membership, StableClusterRaisesNoEvents) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  Node& c = net.add("c", "a");
  net.run(ms(30000));
  for (Node* n : {&a, &b, &c}) {
    EXPECT_EQ(n->m->up_count(), 2u) << n->name;
    EXPECT_TRUE(events_of<MemberDown>(*n).empty()) << n->name;
    EXPECT_EQ(events_of<MemberUp>(*n).size(), 2u) << n->name;
    EXPECT_EQ(n->m->awareness(), 0) << n->name;
  }
}

TEST(Membership, ThirdNodeBecomesKnownToSecondThroughGossip) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  Node& c = net.add("c", "a");
  // c learned everyone from a's join reply.
  EXPECT_EQ(c.m->up_count(), 2u);
  EXPECT_EQ(status(*c.m, "b"), core::MemberStatus::alive);
  EXPECT_EQ(a.m->up_count(), 2u);
  EXPECT_EQ(b.m->find("c"), nullptr);
  // Well before the first push-pull (15 s), gossip carries c to b.
  const auto t = net.run_until([&] { return b.m->up_count() == 2; }, ms(3000));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(status(*b.m, "c"), core::MemberStatus::alive);
  EXPECT_EQ(ups(b, "c"), 1);
  net.run(ms(5000));
  for (Node* n : {&a, &b, &c}) EXPECT_EQ(n->m->up_count(), 2u) << n->name;
}

TEST(Membership, AntiEntropyPushPullRunsPeriodically) {
  Net net;
  net.add("a");
  net.add("b", "a");
  net.log.clear();
  net.run(ms(40000));
  // push_pull_interval 15 s (2 members): the first after 15-16 s, then every 15 s.
  std::vector<Time> asked;
  int replies = 0;
  for (const auto& d : net.log) {
    const auto* pp = std::get_if<core::PushPull>(&d.env.body);
    if (!pp || pp->join) continue;
    if (d.from == "a" && pp->want_reply) {
      asked.push_back(Time(kT0 + ms(d.env.header.self.age_ms)));
      ASSERT_NE(pp->state, nullptr);
      EXPECT_EQ(pp->state->size(), 2u);  // itself and b
    }
    if (d.from == "b" && d.to == "a" && !pp->want_reply) ++replies;
  }
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_GE(asked[0], kT0 + ms(15000));
  EXPECT_LE(asked[0], kT0 + ms(16000));
  EXPECT_EQ(asked[1] - asked[0], ms(15000));
  EXPECT_GE(replies, 2);
}

TEST(Membership, AnsweredPingsKeepAMemberAlive) {
  Net net;
  net.add("a");
  net.add("b", "a");
  net.run(ms(3000));
  int pings = 0;
  int acks = 0;
  for (const auto& d : net.log) {
    if (std::holds_alternative<core::Ping>(d.env.body) && d.from == "a" && d.to == "b") ++pings;
    if (std::holds_alternative<core::Ack>(d.env.body) && d.from == "b" && d.to == "a") ++acks;
  }
  EXPECT_GE(pings, 2);
  EXPECT_EQ(pings, acks);
  EXPECT_EQ(status(net.m("a"), "b"), core::MemberStatus::alive);
}

TEST(Membership, SilentMemberBecomesSuspectThenDead) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  net.add("c", "a");
  net.run(ms(2000));
  ASSERT_EQ(a.m->up_count(), 2u);
  ASSERT_EQ(b.m->up_count(), 2u);
  const Time crash = net.now;
  net.crashed.insert("c");

  std::optional<Time> first_suspect;
  std::map<std::string, Time> down_at;
  const auto done = net.run_until(
      [&] {
        for (Node* n : {&a, &b}) {
          const auto s = status(*n->m, "c");
          if (s == core::MemberStatus::suspect && !first_suspect) first_suspect = net.now;
          if (s == core::MemberStatus::dead && !down_at.count(n->name)) down_at[n->name] = net.now;
        }
        return down_at.size() == 2;
      },
      ms(30000));
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(first_suspect.has_value()) << "declared dead without being suspected";
  // A probe takes a full probe interval to fail, and c is probed within a few intervals.
  EXPECT_GE(*first_suspect - crash, ms(1000));
  EXPECT_LE(*first_suspect - crash, ms(5000));
  // 3 members: too few to confirm, the shortest suspicion timeout applies:
  // probe_interval * suspicion_mult * max(1, log10(3)) = 4 s.
  for (const auto& [name, t] : down_at) {
    EXPECT_GE(t - *first_suspect, ms(4000)) << name;
    EXPECT_LE(t - *first_suspect, ms(4000) + ms(1000)) << name;
  }
  EXPECT_EQ(downs(a, "c"), std::vector<std::string>{"failed"});
  EXPECT_EQ(downs(b, "c"), std::vector<std::string>{"failed"});
  EXPECT_EQ(a.m->up_count(), 1u);
  EXPECT_EQ(b.m->up_count(), 1u);
}

TEST(Membership, SuspicionConfirmedByOthersShrinksTowardsMinimum) {
  Net net;
  net.add("a");
  for (const char* n : {"b", "c", "d", "e"}) net.add(n, "a");
  net.run(ms(3000));
  for (const auto& [name, n] : net.nodes) ASSERT_EQ(n->m->up_count(), 4u) << name;
  net.crashed.insert("e");
  std::optional<Time> first_suspect;
  std::optional<Time> first_dead;
  const auto done = net.run_until(
      [&] {
        bool all = true;
        for (const char* n : {"a", "b", "c", "d"}) {
          const auto s = status(net.m(n), "e");
          if (s == core::MemberStatus::suspect && !first_suspect) first_suspect = net.now;
          if (s == core::MemberStatus::dead && !first_dead) first_dead = net.now;
          all = all && s == core::MemberStatus::dead;
        }
        return all;
      },
      ms(60000));
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(first_suspect.has_value());
  ASSERT_TRUE(first_dead.has_value());
  // 5 members: 3 confirmations expected; min 4 s, max 6 * 4 s = 24 s. Four accusers confirm
  // within a few probe intervals, so it ends well before the maximum, never before the minimum.
  EXPECT_GE(*first_dead - *first_suspect, ms(4000));
  EXPECT_LT(*first_dead - *first_suspect, ms(15000));
  for (const char* n : {"a", "b", "c", "d"}) {
    EXPECT_EQ(downs(net.node(n), "e"), std::vector<std::string>{"failed"}) << n;
  }
}

TEST(Membership, PeerGoneMarksDeadAtOnce) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  ASSERT_EQ(a.m->up_count(), 1u);
  net.m("a").peer_gone(net.now, "b", 1, a.out);
  EXPECT_EQ(status(*a.m, "b"), core::MemberStatus::dead);
  EXPECT_EQ(a.m->up_count(), 0u);
  net.flush();
  EXPECT_EQ(downs(a, "b"), std::vector<std::string>{"process_gone"});
  // Already down: a second signal changes nothing.
  a.m->peer_gone(net.now, "b", 1, a.out);
  net.flush();
  EXPECT_EQ(downs(a, "b").size(), 1u);
}

TEST(Membership, PeerGoneSeenFirstHandRidesOnMessagesWithoutGossipOfItsOwn) {
  // Everyone connected to a dead process sees it end by itself (a leader's: every member):
  // dedicated gossip from hundreds of witnesses only woke hundreds of processes more.
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  net.add("c", "a");
  net.run(ms(2000));
  ASSERT_EQ(a.m->up_count(), 2u);
  const std::size_t since = net.log.size();
  a.m->peer_gone(net.now, "c", 1, a.out);
  net.crashed.insert("c");
  net.run(ms(150));  // well within the probe period: nothing but gossip would leave a
  for (std::size_t i = since; i < net.log.size(); ++i) {
    EXPECT_FALSE(net.log[i].from == "a" &&
                 std::holds_alternative<core::Gossip>(net.log[i].env.body));
  }
  // The next message a sends anyway carries it.
  core::Envelope env;
  env.header.self = a.m->self_record(net.now);
  env.body = core::Ping{1, "b"};
  env.gossip = a.m->take_gossip();
  net.node("b").m->on_envelope(net.now, env, 0, net.node("b").out);
  EXPECT_NE(status(*net.node("b").m, "c"), core::MemberStatus::alive);
  net.flush();
  EXPECT_EQ(downs(net.node("b"), "c"), std::vector<std::string>{"process_gone"});
}

TEST(Membership, PeerGoneOfAnotherBootIsIgnored) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  a.m->peer_gone(net.now, "b", 2, a.out);
  net.flush();
  EXPECT_EQ(status(*a.m, "b"), core::MemberStatus::alive);
  EXPECT_TRUE(downs(a, "b").empty());
  a.m->peer_gone(net.now, "nobody", 0, a.out);
  net.flush();
  EXPECT_EQ(a.m->up_count(), 1u);
  // Boot 0 matches any boot.
  a.m->peer_gone(net.now, "b", 0, a.out);
  net.flush();
  EXPECT_EQ(downs(a, "b"), std::vector<std::string>{"process_gone"});
}

TEST(Membership, HigherBootReplacesTheMember) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  net.run(ms(1000));
  a.events.clear();
  // b's process restarts at the same address with a new boot.
  net.now += ms(50);
  net.add("b", "a", 2);
  std::vector<std::string> seen;
  for (const auto& e : a.events) {
    if (const auto* d = std::get_if<MemberDown>(&e); d && d->member == "b") {
      seen.push_back(std::string("down:") + to_string(d->reason));
    }
    if (const auto* u = std::get_if<MemberUp>(&e); u && u->member == "b") seen.push_back("up");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"down:restarted", "up"}));
  ASSERT_NE(a.m->find("b"), nullptr);
  EXPECT_EQ(a.m->find("b")->boot(), 2u);
  EXPECT_EQ(a.m->find("b")->status, core::MemberStatus::alive);
  EXPECT_EQ(a.m->up_count(), 1u);
}

TEST(Membership, UpdateOfAnOlderBootIsIgnored) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a", 5);
  ASSERT_EQ(a.m->find("b")->boot(), 5u);
  core::MemberUpdate old;
  old.name = "b";
  old.addr = addr_of("b");
  old.boot = 4;
  old.incarnation = 99;
  old.status = core::MemberStatus::dead;
  core::Envelope env;
  env.header.self = old;
  env.body = core::Gossip{};
  a.m->on_envelope(net.now, env, 0, a.out);
  net.flush();
  EXPECT_EQ(status(*a.m, "b"), core::MemberStatus::alive);
  EXPECT_EQ(a.m->find("b")->boot(), 5u);
  EXPECT_TRUE(downs(a, "b").empty());
}

TEST(Membership, SuspectedNodeRefutesWithHigherIncarnation) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  ASSERT_EQ(b.m->self_record(net.now).incarnation, 0u);
  // a tells b that b is suspected (by a), at b's current incarnation.
  core::MemberUpdate rumor = b.m->self_record(net.now);
  rumor.status = core::MemberStatus::suspect;
  rumor.from = "a";
  core::Envelope env;
  env.header.self = a.m->self_record(net.now);
  env.body = core::Gossip{};
  env.gossip = {rumor};
  b.m->on_envelope(net.now, env, 0, b.out);
  const core::MemberUpdate self = b.m->self_record(net.now);
  EXPECT_EQ(self.incarnation, 1u);
  EXPECT_EQ(self.status, core::MemberStatus::alive);
  EXPECT_EQ(b.m->awareness(), 1);
  // The refutation is gossiped.
  const auto g = b.m->take_gossip();
  const auto it =
      std::find_if(g.begin(), g.end(), [](const core::MemberUpdate& u) { return u.name == "b"; });
  ASSERT_NE(it, g.end());
  EXPECT_EQ(it->incarnation, 1u);
  EXPECT_EQ(it->status, core::MemberStatus::alive);
  // A stale rumor (older incarnation) is not refuted again.
  b.m->on_envelope(net.now, env, 0, b.out);
  EXPECT_EQ(b.m->self_record(net.now).incarnation, 1u);
}

TEST(Membership, SuspicionIsRefutedAcrossTheCluster) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  Node& c = net.add("c", "a");
  net.run(ms(2000));
  // c (wrongly) suspects b and tells a.
  core::MemberUpdate rumor = b.m->self_record(net.now);
  rumor.status = core::MemberStatus::suspect;
  rumor.from = "c";
  core::Envelope env;
  env.header.self = c.m->self_record(net.now);
  env.body = core::Gossip{};
  env.gossip = {rumor};
  a.m->on_envelope(net.now, env, 0, a.out);
  ASSERT_EQ(status(*a.m, "b"), core::MemberStatus::suspect);
  // a spreads the suspicion; b hears it and refutes; everyone sees b alive at incarnation 1.
  const auto t = net.run_until(
      [&] {
        for (Node* n : {&a, &c}) {
          const core::Member* x = n->m->find("b");
          if (!x || x->status != core::MemberStatus::alive || x->incarnation != 1) return false;
        }
        return true;
      },
      ms(3000));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(b.m->self_record(net.now).incarnation, 1u);
  net.run(ms(10000));
  for (Node* n : {&a, &c}) {
    EXPECT_EQ(status(*n->m, "b"), core::MemberStatus::alive) << n->name;
    EXPECT_TRUE(downs(*n, "b").empty()) << n->name;
  }
}

TEST(Membership, NodeHearingItIsDeadRefutes) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  core::MemberUpdate rumor = b.m->self_record(net.now);
  rumor.status = core::MemberStatus::dead;
  rumor.incarnation = 4;
  rumor.from = "a";
  core::Envelope env;
  env.header.self = a.m->self_record(net.now);
  env.body = core::Gossip{};
  env.gossip = {rumor};
  b.m->on_envelope(net.now, env, 0, b.out);
  EXPECT_EQ(b.m->self_record(net.now).incarnation, 5u);
  EXPECT_EQ(b.m->self_record(net.now).status, core::MemberStatus::alive);
}

TEST(Membership, LeaveInABigClusterTellsTheLeaderAndAFewAndGossipTellsTheRest) {
  Net net;
  net.add("n00");
  for (int i = 1; i < 30; ++i)
    net.add("n" + std::string(i < 10 ? "0" : "") + std::to_string(i), "n00");
  net.run(ms(5000));
  Node& c = net.node("n29");
  ASSERT_EQ(c.m->up_count(), 29u);
  c.m->leave(net.now, {"n07"}, c.out);
  std::set<std::string> told;
  for (const auto& msg : c.out.msgs) {
    if (std::holds_alternative<core::Leave>(msg.body)) told.insert(msg.to_name);
  }
  EXPECT_TRUE(told.count("n07"));  // the leader it names
  EXPECT_GE(told.size(), 8u);
  EXPECT_LE(told.size(), 9u);
  net.flush();
  net.crashed.insert("n29");  // stopped: it answers nothing more
  net.run(ms(2000));
  for (const auto& [name, n] : net.nodes) {
    if (name == "n29") continue;
    EXPECT_EQ(status(*n->m, "n29"), core::MemberStatus::left) << name;
    EXPECT_EQ(downs(*n, "n29"), std::vector<std::string>{"left"}) << name;
  }
}

TEST(Membership, LeaveTellsEveryUpMemberAndTheyMarkItLeft) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  Node& c = net.add("c", "a");
  net.run(ms(2000));
  ASSERT_EQ(c.m->up_count(), 2u);
  c.m->leave(net.now, {}, c.out);
  std::set<std::string> told;
  for (const auto& msg : c.out.msgs) {
    if (std::holds_alternative<core::Leave>(msg.body)) told.insert(msg.to_name);
  }
  EXPECT_EQ(told, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(c.m->self_record(net.now).status, core::MemberStatus::left);
  net.flush();
  for (Node* n : {&a, &b}) {
    EXPECT_EQ(status(*n->m, "c"), core::MemberStatus::left) << n->name;
    EXPECT_EQ(downs(*n, "c"), std::vector<std::string>{"left"}) << n->name;
    EXPECT_EQ(n->m->up_count(), 1u) << n->name;
  }
  // The departed node is not probed back to life or failed again.
  net.crashed.insert("c");
  net.run(ms(20000));
  for (Node* n : {&a, &b}) {
    EXPECT_EQ(status(*n->m, "c"), core::MemberStatus::left) << n->name;
    EXPECT_EQ(downs(*n, "c").size(), 1u) << n->name;
  }
}

TEST(Membership, DeadMemberIsForgottenAfterReap) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  net.crashed.insert("b");
  const auto dead =
      net.run_until([&] { return status(*a.m, "b") == core::MemberStatus::dead; }, ms(20000));
  ASSERT_TRUE(dead.has_value());
  net.run(net.tuning.dead_reap - ms(100));
  EXPECT_NE(a.m->find("b"), nullptr);
  net.run(ms(200));
  EXPECT_EQ(a.m->find("b"), nullptr);
}

TEST(Membership, PartitionHealsThroughReconnect) {
  Net net;
  Node& a = net.add("a");
  Node& b = net.add("b", "a");
  net.run(ms(1000));
  net.cut.insert("b");
  const auto split = net.run_until(
      [&] {
        return status(*a.m, "b") == core::MemberStatus::dead &&
               status(*b.m, "a") == core::MemberStatus::dead;
      },
      ms(30000));
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(downs(a, "b"), std::vector<std::string>{"failed"});
  EXPECT_EQ(downs(b, "a"), std::vector<std::string>{"failed"});
  net.cut.clear();
  const auto healed = net.run_until(
      [&] {
        return status(*a.m, "b") == core::MemberStatus::alive &&
               status(*b.m, "a") == core::MemberStatus::alive;
      },
      ms(10000));
  ASSERT_TRUE(healed.has_value());
  EXPECT_EQ(ups(a, "b"), 2);
  EXPECT_EQ(ups(b, "a"), 2);
  EXPECT_EQ(a.m->up_count(), 1u);
  EXPECT_EQ(b.m->up_count(), 1u);
}

TEST(Membership, ACrashedMemberGetsAboutOneReconnectPerIntervalFromTheWholeCluster) {
  // Each of the 19 survivors tries with probability 1/19 per interval: a big cluster must not
  // send a dead address a full member list from every member every interval.
  Net net;
  net.add("m0");
  for (int i = 1; i < 20; ++i) net.add("m" + std::to_string(i), "m0");
  net.run(ms(3000));
  ASSERT_EQ(net.m("m0").up_count(), 19u);
  net.crashed.insert("m7");
  const auto dead = net.run_until(
      [&] {
        for (const auto& [name, n] : net.nodes) {
          if (name != "m7" && status(*n->m, "m7") != core::MemberStatus::dead) return false;
        }
        return true;
      },
      ms(30000));
  ASSERT_TRUE(dead.has_value());
  net.push_pulls_to.clear();
  const int intervals = 30;
  net.run(net.tuning.reconnect_interval * intervals);
  const int sent = net.push_pulls_to[addr_of("m7")];
  // Expected 30 (one per interval); every member trying would send 19 × 30 = 570.
  EXPECT_GE(sent, intervals / 3);
  EXPECT_LE(sent, intervals * 3);
}

TEST(Membership, IdleMemberWakesOnlyToProbeAndForAntiEntropy) {
  // Idle CPU is wake-ups: with every member up and every probe answered at once, a member must
  // wake for its probes (one per interval) and its push-pulls, nothing else (no reconnect round
  // with nobody to reconnect to, no timeout of a probe that was answered).
  Net net;
  add_four(net);
  net.run(ms(5000));
  std::map<std::string, int> wakes;
  const Duration window = ms(30000);
  const Time end = net.now + window;
  while (net.now < end) {
    for (const auto& [name, n] : net.nodes) {
      if (n->m->next_wakeup() <= net.now + kStep) ++wakes[name];
    }
    net.step();
  }
  const auto probes = static_cast<int>(window / net.tuning.probe_interval);
  const auto push_pulls = static_cast<int>(window / net.tuning.push_pull_interval) + 1;
  std::map<std::string, int> pings;
  for (const auto& d : net.log) {
    if (std::holds_alternative<core::Ping>(d.env.body) && d.env.header.self.name != "")
      ++pings[d.from];
  }
  for (const auto& [name, k] : wakes) {
    EXPECT_LE(k, probes + push_pulls) << name;
    // Fewer wake-ups, not fewer probes: each member still probes once per interval.
    EXPECT_GE(pings[name], probes) << name;
  }
}

TEST(Membership, BigClusterProbesLessOften) {
  // Past 128 members a node probes every 2 intervals (129-256 members): half the idle traffic,
  // and every member is still probed.
  Net net;
  net.add("m0");
  for (int i = 1; i < 150; ++i) net.add("m" + std::to_string(i), "m" + std::to_string(i / 2));
  ASSERT_TRUE(net.run_until(
      [&] {
        return std::all_of(net.nodes.begin(), net.nodes.end(),
                           [](const auto& kv) { return kv.second->m->up_count() == 149u; });
      },
      ms(60000)));
  net.run(ms(5000));
  net.log.clear();
  const Duration window = ms(20000);
  net.run(window);
  std::map<std::string, int> sent, received;
  for (const auto& d : net.log) {
    if (!std::holds_alternative<core::Ping>(d.env.body)) continue;
    ++sent[d.from];
    ++received[d.to];
  }
  const auto periods = static_cast<int>(window / (2 * net.tuning.probe_interval));
  for (const auto& [name, n] : net.nodes) {
    EXPECT_GE(sent[name], periods - 1) << name;
    EXPECT_LE(sent[name], periods + 1) << name;
  }
  // Round-robin: within 20 s (10 rounds of 150 probes over 149 targets) every member is probed.
  EXPECT_EQ(received.size(), net.nodes.size());
}

TEST(Membership, ProbeDueSoonGoesOutWithAnIncomingMessage) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  net.run(ms(3000));
  // Just after a probe of a's: its next one is most of an interval away.
  ASSERT_TRUE(net.run_until(
      [&] { return a.m->next_wakeup() > net.now + net.tuning.probe_interval * 19 / 20; },
      ms(5000)));
  const Time due = a.m->next_wakeup();  // a's next probe: nothing else is pending in an idle pair
  ASSERT_LE(due, net.now + net.tuning.probe_interval * 3 / 2);
  auto ping_from_b = [&] {
    core::Envelope env;
    env.header.self = net.m("b").self_record(net.now);
    env.body = core::Ping{9999, "a"};
    return env;
  };
  auto sent_pings = [&] {
    int k = 0;
    for (const auto& m : a.out.msgs) k += std::holds_alternative<core::Ping>(m.body) ? 1 : 0;
    return k;
  };

  // Long before the probe is due, a message is only answered.
  net.now = due - net.tuning.probe_interval * 9 / 10;
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 0);
  EXPECT_EQ(a.m->next_wakeup(), due);
  a.out.msgs.clear();

  // Within half an interval of it, the probe rides on that wake-up, and the next one keeps pace.
  net.now = due - net.tuning.probe_interval / 4;
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 1);
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 1) << "a second probe while the first is unanswered";
  net.flush();
  EXPECT_GE(a.m->next_wakeup(), due + net.tuning.probe_interval / 2);
}

TEST(Membership, NextWakeupIsAlwaysInTheFuture) {
  // A driver that sleeps until next_wakeup() must neither spin nor miss a deadline.
  Net net;
  add_four(net);
  // Messages delivered since the last tick may make a timer due at once; a tick clears that.
  auto check = [&](const char* phase) {
    for (const auto& [name, n] : net.nodes) {
      if (net.crashed.count(name)) continue;
      n->m->tick(net.now, n->out);
      ASSERT_GT(n->m->next_wakeup(), net.now) << name << " " << phase;
      // A probe sent early (with a message, half an interval at most) keeps the pace of the
      // schedule, so the next one can be up to one and a half intervals away.
      ASSERT_LE(n->m->next_wakeup(), net.now + net.tuning.probe_interval * 3 / 2)
          << name << " " << phase;
    }
    net.flush();
  };
  for (int i = 0; i < 300; ++i) {
    net.step();
    check("stable");
  }
  net.crashed.insert("d");
  for (int i = 0; i < 2000; ++i) {
    net.step();
    check("failure");
  }
  EXPECT_EQ(status(net.m("a"), "d"), core::MemberStatus::dead);
}

}  // namespace
}  // namespace elector
