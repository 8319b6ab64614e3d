// How a member joins and learns the others (Membership driven by hand, membership_net.hpp): the
// join's push-pull to a seed and its backoff, a seed answering a joiner once per retry limit, the
// member list spread by gossip, and the periodic push-pull of anti-entropy.

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/membership.hpp"
#include "membership_net.hpp"

namespace elector {
namespace {

using namespace membership_net;

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

}  // namespace
}  // namespace elector
