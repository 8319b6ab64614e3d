// Microbenchmarks of the core's hot paths: one step, the strategy's ranking, a simulated
// election at growing N.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/node_core.hpp"
#include "core/rng.hpp"
#include "sim/cluster.hpp"

namespace elector {
namespace {

// Sorts 1,000 candidates as a node ranks its view of a big cluster. Values are drawn so that each
// strategy's own criterion decides most comparisons, with some ties left to the name (priority
// takes only 100 values, as an operator would assign them), so the tie-break path is measured too.
void BM_RankThousandCandidates(benchmark::State& state, const char* strategy) {
  const auto s = make_strategy(strategy);
  if (!s) {
    state.SkipWithError("unknown strategy");
    return;
  }
  core::Rng rng(1);
  std::vector<CandidateInfo> v;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(CandidateInfo{"box" + std::to_string(i),
                              static_cast<std::int64_t>(rng.below(100)) + 1,
                              Time(ms(static_cast<std::int64_t>(rng.below(100000)))),
                              static_cast<std::int64_t>(rng.below(1000000))});
  }
  for (auto _ : state) {
    auto copy = v;
    std::sort(copy.begin(), copy.end(), [&](const CandidateInfo& a, const CandidateInfo& b) {
      return ranks_before(*s, a, b);
    });
    benchmark::DoNotOptimize(copy.front());
  }
}
BENCHMARK_CAPTURE(BM_RankThousandCandidates, uptime_high, "uptime_high");
BENCHMARK_CAPTURE(BM_RankThousandCandidates, uptime_low, "uptime_low");
BENCHMARK_CAPTURE(BM_RankThousandCandidates, runtime_high, "runtime_high");
BENCHMARK_CAPTURE(BM_RankThousandCandidates, runtime_low, "runtime_low");
BENCHMARK_CAPTURE(BM_RankThousandCandidates, priority, "priority");

// A lone follower (no other members) taking a heartbeat from a leader it has just heard of.
void BM_HeartbeatStep(benchmark::State& state) {
  Config cfg;
  cfg.name = "b";
  cfg.listen = "b:1";
  const Time t0 = Time(std::chrono::hours(1));
  core::NodeCore node(cfg, 1, 1, t0);
  node.start(t0);
  (void)node.take_ready();
  core::Envelope env;
  env.header.self.name = "a";
  env.header.self.addr = "a:1";
  env.header.self.boot = 1;
  env.header.self.meta.settings_hash = node.settings_hash();
  std::uint64_t seq = 0;
  Time now = t0 + ms(1000);
  for (auto _ : state) {
    env.body = core::Heartbeat{1, ++seq, 0};
    now += ms(1);
    node.receive(now, env);
    benchmark::DoNotOptimize(node.take_ready());
  }
  if (node.leader() != std::optional<std::string>("a")) state.SkipWithError("a not followed");
}
BENCHMARK(BM_HeartbeatStep);

// A 450-node cluster formed once by the simulator and then frozen: the benchmarks below drive
// single nodes of it directly (the cluster itself never runs again), each with its own clock
// that only moves forward across benchmark runs.
struct BigCluster {
  static constexpr int kNodes = 450;
  sim::Cluster cluster;
  std::string leader_name;
  std::string follower_name;
  Time leader_now{};
  Time follower_now{};

  static sim::Options options() {
    sim::Options o;
    o.nodes = kNodes;
    return o;
  }
  BigCluster() : cluster(options()) {
    cluster.set_tracing(false);
    cluster.start_all();
    if (!cluster.run_until([&] { return cluster.agreed_leader().has_value(); }, ms(60000),
                           ms(10))) {
      return;
    }
    // Let the joins' gossip settle so that the steps measured are a steady state's, not ones
    // still carrying the formation's membership news.
    cluster.run_for(ms(20000));
    if (const auto l = cluster.agreed_leader()) leader_name = *l;
    for (const auto& n : cluster.names()) {
      if (n != leader_name) {
        follower_name = n;
        break;
      }
    }
    leader_now = follower_now = cluster.now();
  }

  static BigCluster& get() {
    static BigCluster c;
    return c;
  }
};

// Answers the leader's probes as their targets would, so that members stay alive however many
// iterations run (unanswered, they would be suspected and declared dead one per probe interval,
// and the heartbeat fan-out would shrink under the benchmark).
void answer_pings(core::NodeCore& leader, Time now, const core::Ready& r) {
  for (const auto& m : r.messages) {
    const auto* ping = std::get_if<core::Ping>(&m.env.body);
    if (ping == nullptr) continue;
    const core::Member* target = leader.membership().find(m.to_name);
    if (target == nullptr) continue;
    core::Envelope ack;
    ack.header.self = target->record();
    ack.header.term = leader.term();
    ack.body = core::Ack{ping->seq};
    leader.receive(now, ack);
  }
}

// The leader of 450 nodes at each heartbeat interval: its tick sends a heartbeat to every other
// member (quorum_size 1, so none is acknowledged). Probe timers fire about every tenth tick; their
// pings are answered within the iteration (one receive, small next to the 449 heartbeats).
void BM_LeaderTick450(benchmark::State& state) {
  auto& big = BigCluster::get();
  core::NodeCore* leader = big.leader_name.empty() ? nullptr : big.cluster.node(big.leader_name);
  if (leader == nullptr || !leader->is_leader(big.leader_now)) {
    state.SkipWithError("the simulated cluster elected no leader");
    return;
  }
  const Duration T = leader->config().heartbeat_interval;
  std::size_t heartbeats = 0;
  for (auto _ : state) {
    big.leader_now += T;
    leader->tick(big.leader_now);
    core::Ready r = leader->take_ready();
    answer_pings(*leader, big.leader_now, r);
    benchmark::DoNotOptimize(leader->take_ready());
    for (const auto& m : r.messages) {
      if (std::holds_alternative<core::Heartbeat>(m.env.body)) ++heartbeats;
    }
    benchmark::DoNotOptimize(r);
  }
  if (!leader->is_leader(big.leader_now)) state.SkipWithError("the leader lost its lease");
  state.counters["heartbeats"] =
      benchmark::Counter(static_cast<double>(heartbeats), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_LeaderTick450)->Unit(benchmark::kMicrosecond);

// A follower of the same cluster (450 members known) taking its leader's heartbeat, as the leader
// built it.
void BM_FollowerHeartbeat450(benchmark::State& state) {
  auto& big = BigCluster::get();
  core::NodeCore* follower =
      big.follower_name.empty() ? nullptr : big.cluster.node(big.follower_name);
  const core::NodeCore* leader =
      big.leader_name.empty() ? nullptr : big.cluster.node(big.leader_name);
  if (follower == nullptr || leader == nullptr) {
    state.SkipWithError("the simulated cluster elected no leader");
    return;
  }
  core::Envelope env;
  env.header.self = leader->membership().self_record(big.leader_now);
  env.header.term = leader->max_term();
  const std::uint64_t term = leader->term();
  std::uint64_t seq = 1u << 30;  // above any seq the cluster's run used
  const Duration T = follower->config().heartbeat_interval;
  for (auto _ : state) {
    env.body = core::Heartbeat{term, ++seq, 0, false};
    big.follower_now += T;
    follower->receive(big.follower_now, env);
    benchmark::DoNotOptimize(follower->take_ready());
  }
  if (follower->leader() != std::optional<std::string>(big.leader_name)) {
    state.SkipWithError("the follower dropped its leader");
  }
}
BENCHMARK(BM_FollowerHeartbeat450);

void BM_SimulatedStartToLeader(benchmark::State& state) {
  for (auto _ : state) {
    sim::Options o;
    o.nodes = static_cast<int>(state.range(0));
    sim::Cluster c(o);
    c.set_tracing(false);
    c.start_all();
    c.run_until([&] { return c.agreed_leader().has_value(); }, ms(30000), ms(10));
    state.counters["messages"] = static_cast<double>(c.stats().messages);
  }
}
BENCHMARK(BM_SimulatedStartToLeader)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace elector

BENCHMARK_MAIN();
