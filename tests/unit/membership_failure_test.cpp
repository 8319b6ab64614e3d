// Failure detection (Membership driven by hand, membership_net.hpp): answered probes keep a
// member alive, a silent one is suspected and then declared dead (sooner as others confirm), a
// partition heals through reconnects, and a crashed member is asked to reconnect about once per
// interval by the whole cluster.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/membership.hpp"
#include "membership_net.hpp"

namespace elector {
namespace {

using namespace membership_net;

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

}  // namespace
}  // namespace elector
