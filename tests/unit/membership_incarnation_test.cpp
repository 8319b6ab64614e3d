// Which record of a member wins (Membership driven by hand, membership_net.hpp): a higher boot
// replaces the member, an older boot is ignored, and a member that hears itself suspected or dead
// refutes it with a higher incarnation, across the cluster.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "core/membership.hpp"
#include "membership_net.hpp"

namespace elector {
namespace {

using namespace membership_net;

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

}  // namespace
}  // namespace elector
