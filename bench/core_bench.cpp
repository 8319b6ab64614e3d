// Microbenchmarks of the core's hot paths: one step, the strategy's ranking, a simulated
// election at growing N.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "core/node_core.hpp"
#include "core/rng.hpp"
#include "sim/cluster.hpp"

namespace elector {
namespace {

void BM_RankThousandCandidates(benchmark::State& state) {
  const auto s = make_strategy("uptime_high");
  Rng rng(1);
  std::vector<CandidateInfo> v;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(CandidateInfo{"box" + std::to_string(i), i,
                              Time(ms(static_cast<std::int64_t>(rng.below(100000)))), 0});
  }
  for (auto _ : state) {
    auto copy = v;
    std::sort(copy.begin(), copy.end(), [&](const CandidateInfo& a, const CandidateInfo& b) {
      return ranks_before(*s, a, b);
    });
    benchmark::DoNotOptimize(copy.front());
  }
}
BENCHMARK(BM_RankThousandCandidates);

void BM_HeartbeatStep(benchmark::State& state) {
  Config cfg;
  cfg.name = "b";
  cfg.listen = "b:1";
  const Time t0 = Time(std::chrono::hours(1));
  NodeCore node(cfg, 1, 1, t0);
  node.start(t0);
  (void)node.take_ready();
  Envelope env;
  env.header.self.name = "a";
  env.header.self.addr = "a:1";
  env.header.self.boot = 1;
  env.header.self.meta.settings_hash = node.settings_hash();
  std::uint64_t seq = 0;
  Time now = t0 + ms(1000);
  for (auto _ : state) {
    env.body = Heartbeat{1, ++seq, 0};
    now += ms(1);
    node.receive(now, env);
    benchmark::DoNotOptimize(node.take_ready());
  }
}
BENCHMARK(BM_HeartbeatStep);

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
