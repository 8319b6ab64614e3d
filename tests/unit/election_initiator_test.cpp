// Who runs an election (ElectionStarted/ElectionFinished `initiator`), and what the pre-election
// hooks are told of the node's role.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "step_cluster.hpp"

namespace elector {
namespace {

using namespace step;

struct Reported {
  std::optional<ElectionStarted> started;
  std::optional<ElectionFinished> finished;
};

/// The start and the end of the election during which `node` acquired a leadership, the last
/// such election after event `from` of its events.
Reported won_election(StepCluster& net, const std::string& node, std::size_t from = 0) {
  Reported won;
  const std::vector<Event> evs = net.events(node);
  std::optional<ElectionStarted> open;
  bool acquired = false;
  for (std::size_t i = from; i < evs.size(); ++i) {
    if (const auto* s = std::get_if<ElectionStarted>(&evs[i])) {
      open = *s;
      acquired = false;
    } else if (std::holds_alternative<LeadershipAcquired>(evs[i])) {
      acquired = true;
    } else if (const auto* f = std::get_if<ElectionFinished>(&evs[i])) {
      if (acquired && open && open->election == f->election) won = Reported{open, *f};
      open.reset();
    }
  }
  return won;
}

/// Checks how `node` reported the election it won last after its event `from`: it always ran
/// it, and said so from the start when `at_once`.
void expect_won(StepCluster& net, const std::string& node, std::size_t from, ElectionReason reason,
                bool at_once) {
  const Reported won = won_election(net, node, from);
  ASSERT_TRUE(won.started && won.finished) << node;
  EXPECT_EQ(won.started->reason, reason);
  EXPECT_EQ(won.started->initiator, at_once);
  EXPECT_TRUE(won.finished->initiator);
}

Config ranked(const std::string& name, int priority) {
  Config cfg = config(name);
  cfg.strategy = "priority";
  cfg.priority = priority;
  return cfg;
}

TEST(ElectionInitiator, ANodeThatCampaignsAtOnceReportsTheElectionAsItsOwnFromItsStart) {
  StepCluster net({"a", "b"});
  net.add(ranked("a", 1));
  net.add(ranked("b", 2));
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  expect_won(net, "a", 0, ElectionReason::startup, true);
  // b only followed: it ran nothing.
  for (const auto& e : net.events("b")) {
    if (const auto* s = std::get_if<ElectionStarted>(&e)) {
      EXPECT_FALSE(s->initiator);
    }
  }
}

TEST(ElectionInitiator, ANamedSuccessorReportsTheHandoverAsItsOwn) {
  StepCluster net({"a", "b"});
  net.add(ranked("b", 2));
  net.run_for(ms(500));
  ASSERT_TRUE(net["b"].is_leader(net.now()));
  net.add(ranked("a", 1));  // ranks first: b hands over after election_delay
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  expect_won(net, "a", 0, ElectionReason::handover, true);
}

TEST(ElectionInitiator, ANodeThatCampaignsAfterWaitingForABetterOneRunsTheElectionItFinishes) {
  StepCluster net({"a", "b", "c", "d"});
  for (const auto& [name, priority] :
       std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}) {
    net.add(ranked(name, priority));
  }
  net.run_for(ms(1500));
  ASSERT_TRUE(net["a"].is_leader(net.now()));
  const std::size_t c_from = net.events("c").size();
  const std::size_t d_from = net.events("d").size();
  // The leader freezes and the next best is cut off: c and d lose the leader while b still
  // looks alive, so they wait for it before campaigning themselves.
  net.cut("a");
  net.isolate("b");
  net.run_for(ms(20000));
  const std::string winner = net["c"].leader().value_or("");
  ASSERT_TRUE(winner == "c" || winner == "d") << winner;
  expect_won(net, winner, winner == "c" ? c_from : d_from, ElectionReason::leader_lost, false);
}

TEST(ElectionInitiator, ALeaderThatReevaluatesTellsItsPreElectionHooksItLeads) {
  StepCluster net({"a", "b"});
  net.add(ranked("a", 1));
  net.add(ranked("b", 2));
  net.run_for(ms(1500));
  core::NodeCore& a = net["a"];
  ASSERT_TRUE(a.is_leader(net.now()));
  core::Ready r;
  net.input("a", [&](core::NodeCore& core, Time now) {
    ASSERT_EQ(core.elect(now), core::ElectOutcome::started);
    r = core.take_ready();  // before the cluster takes it
  });
  std::vector<HookRequest> pre;
  for (const auto& h : r.hooks) {
    if (h.phase == HookRequest::Phase::pre) pre.push_back(h);
  }
  ASSERT_EQ(pre.size(), 1u);
  EXPECT_TRUE(pre[0].is_leader);
  EXPECT_EQ(pre[0].leader, "a");
}

TEST(ElectionInitiator, ACandidateTellsItsPreElectionHooksItFollows) {
  // The simulator runs the hooks (5 ms each, one after the other) and records each request.
  sim::Options o = step::options({"a"});
  o.pre_election_hooks = {"pre"};
  o.post_election_hooks = {"post"};
  StepCluster net(std::move(o));
  net.add(ranked("a", 1));
  net.run_for(ms(90));  // just before the startup election, due after election_delay
  ASSERT_TRUE(net.hook_runs().empty());
  net.run_for(ms(30));
  const std::vector<sim::HookRun>& r = net.hook_runs();
  ASSERT_EQ(r.size(), 2u);  // the campaign wins at once: a cluster of one
  EXPECT_EQ(r[0].request.phase, HookRequest::Phase::pre);
  EXPECT_FALSE(r[0].request.is_leader);
  EXPECT_EQ(r[1].request.phase, HookRequest::Phase::post);
  EXPECT_TRUE(r[1].request.is_leader);
}

}  // namespace
}  // namespace elector
