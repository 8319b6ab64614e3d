// When a leader hands the leadership to a better candidate, and what happens when it cannot.
#include <gtest/gtest.h>

#include "core/node_core.hpp"
#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

Config ranked(const std::string& name, int priority) {
  Config c = config(name);
  c.strategy = "priority";
  c.priority = priority;
  return c;
}

core::MemberStatus status_in(const core::NodeCore& viewer, const std::string& name) {
  for (const auto& m : viewer.members()) {
    if (m.name == name) return m.status;
  }
  return core::MemberStatus::dead;
}

/// The last message `from` sent, as a carrier of gossip only.
core::Envelope gossip_from(const sim::Cluster& net, const std::string& from, core::MemberUpdate u) {
  const auto& log = net.message_log();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (it->from != from) continue;
    core::Envelope env = it->msg.env;
    env.body = core::Gossip{};
    env.gossip = {std::move(u)};
    return env;
  }
  ADD_FAILURE() << from << " sent nothing";
  return {};
}

/// `name`'s own record, as it last sent it.
core::MemberUpdate record_of(const sim::Cluster& net, const std::string& name) {
  const auto& log = net.message_log();
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    if (it->from == name) return it->msg.env.header.self;
  }
  ADD_FAILURE() << name << " sent nothing";
  return {};
}

/// b (priority 2) leads c (3); a (1), the best, is added by the test.
struct LedByB : StepCluster {
  LedByB() : StepCluster({"a", "b", "c"}) {
    add(ranked("b", 2));
    add(ranked("c", 3));
    run_for(ms(600));
    EXPECT_TRUE(node("b")->is_leader(now()));
  }
};

TEST(ElectionHandover, TheBestCandidateSuspectedAtTheReevaluationTakesOverOnceCleared) {
  // b leads; a, the best, joins, and is suspected (by c) when b re-evaluates: b keeps the
  // leadership, as a suspected member is in no ranking. When a clears the suspicion, b looks
  // again, as for a joiner, and hands over.
  LedByB net;
  net.set_no_gossip_to("a", true);  // a does not hear of the suspicion, so it does not refute it
  net.add(ranked("a", 1));
  core::MemberUpdate suspected = record_of(net, "a");
  suspected.status = core::MemberStatus::suspect;
  suspected.from = "c";
  net.deliver("b", gossip_from(net, "c", suspected));
  ASSERT_EQ(status_in(net["b"], "a"), core::MemberStatus::suspect);
  net.run_for(ms(300));  // b's re-evaluation, election_delay after the join, came and went
  ASSERT_TRUE(net["b"].is_leader(net.now()));
  ASSERT_EQ(status_in(net["b"], "a"), core::MemberStatus::suspect);

  core::MemberUpdate cleared = record_of(net, "a");  // a refutes: a higher incarnation, alive
  cleared.incarnation = suspected.incarnation + 1;
  net.deliver("b", gossip_from(net, "a", cleared));
  ASSERT_EQ(status_in(net["b"], "a"), core::MemberStatus::alive);
  net.run_for(ms(500));  // election_delay, then the handover
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  EXPECT_FALSE(net["b"].is_leader(net.now()));
  EXPECT_EQ(net["c"].leader(), std::optional<std::string>("a"));
}

TEST(ElectionHandover, ASuccessorThatDidNotTakeOverIsHandedTheLeadershipAgainAfterItsPause) {
  // b leads; a, the best, joins; b hands over to a just as a freezes. The others wait 4T for a,
  // then elect b again, and pass a over. a thaws (it was never declared failed): when its pause
  // ends, b hands over again, and a takes over.
  LedByB net;
  net.add(ranked("a", 1));
  net.run_for(ms(90));  // b's re-evaluation is due 100 ms after the join
  ASSERT_TRUE(net["b"].is_leader(net.now()));
  net.cut("a");
  net.run_for(ms(20));
  ASSERT_EQ(net["b"].leader(), std::nullopt);  // it resigned in favour of a
  const Time failed_at = net.now() + 4 * ms(100);
  net.run_for(ms(800));
  ASSERT_TRUE(net["b"].is_leader(net.now()));
  net.uncut("a");
  // The pause after one failure: 4 × (election_delay + 4T) = 2 s here. a is up meanwhile, in b's
  // ranking first, yet passed over.
  const Duration pause = 4 * (ms(100) + 4 * ms(100));
  while (net.now() + ms(10) < failed_at + pause) {
    net.run_for(ms(10));
    ASSERT_FALSE(net["a"].is_leader(net.now())) << "handed over before the pause ended";
  }
  ASSERT_EQ(status_in(net["b"], "a"), core::MemberStatus::alive);
  net.run_for(ms(600));  // the pause ends, then election_delay and the handover
  EXPECT_TRUE(net["a"].is_leader(net.now()));
  EXPECT_EQ(net["c"].leader(), std::optional<std::string>("a"));
}

}  // namespace
}  // namespace elector
