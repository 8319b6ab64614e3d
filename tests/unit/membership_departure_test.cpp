// How a member leaves the list (Membership driven by hand, membership_net.hpp): the transport's
// signal that its process is gone, a graceful leave, and a dead member forgotten after the reap
// time.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/membership.hpp"
#include "membership_net.hpp"

namespace elector {
namespace {

using namespace membership_net;

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

}  // namespace
}  // namespace elector
