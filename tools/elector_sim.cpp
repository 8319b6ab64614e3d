// elector-sim: runs a whole simulated cluster from a seed and checks the invariants.
//
// The last line of output is always
//   violations=V leader=NAME term=T elections=E messages=M sim_ms=X
// and the exit code is 1 when V > 0 (2 on bad usage). The same arguments replay the same run.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>

#include "sim/cluster.hpp"
#include "sim/faults.hpp"

using namespace elector;

namespace {

/// Messages per node per simulated second between two snapshots, by kind and in all: the idle
/// traffic when nothing happens in the window (B5: it must not grow with N).
void print_idle(const sim::Stats& a, const sim::Stats& b, Time from, Time to, int nodes) {
  const double secs = static_cast<double>(to_ms(to - from)) / 1000.0;
  if (secs <= 0) return;
  const double per = 1.0 / (secs * nodes);
  std::printf("idle window_ms=%lld per_node_per_s=%.3f\n", static_cast<long long>(to_ms(to - from)),
              static_cast<double>(b.messages - a.messages) * per);
  std::printf("idle timer_wakes=%.3f idle_timer_wakes=%.3f deliveries=%.3f\n",
              static_cast<double>(b.timer_wakes - a.timer_wakes) * per,
              static_cast<double>(b.idle_timer_wakes - a.idle_timer_wakes) * per,
              static_cast<double>(b.delivered - a.delivered) * per);
  for (const auto& [kind, count] : b.by_kind) {
    auto it = a.by_kind.find(kind);
    const std::uint64_t before = it == a.by_kind.end() ? 0 : it->second;
    std::printf("idle %s=%.3f\n", kind.c_str(), static_cast<double>(count - before) * per);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"elector-sim: a simulated elector cluster with seeded faults"};
  int nodes = 5;
  std::uint64_t seed = 1;
  bool faults = false;
  int quorum = 1;
  std::string strategy = "uptime_high";
  std::int64_t duration_ms = -1;
  std::int64_t heartbeat_ms = 100;
  std::int64_t election_delay_ms = 1000;
  double loss = 0;
  bool verbose = false;
  bool stats = false;
  std::int64_t stagger_us = -1;
  app.add_option("--nodes", nodes, "number of nodes")->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "seed of every random choice");
  app.add_flag("--faults", faults, "inject random faults, then heal and check liveness");
  app.add_option("--quorum-size", quorum, "quorum_size of every node")->check(CLI::PositiveNumber);
  app.add_option("--strategy", strategy, "election strategy")
      ->check(
          CLI::IsMember({"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}));
  app.add_option("--duration-ms", duration_ms,
                 "simulated time to run (default 10000, 40000 with --faults)");
  app.add_option("--heartbeat-interval", heartbeat_ms, "T in ms")->check(CLI::Range(1, 60000));
  app.add_option("--election-delay", election_delay_ms, "election_delay in ms")
      ->check(CLI::Range(0, 600000));
  app.add_option("--loss", loss, "message loss probability")->check(CLI::Range(0.0, 0.9));
  app.add_option("--stagger-us", stagger_us,
                 "delay between node starts in microseconds (default: 2 s spread over the nodes, "
                 "between 50 us and 1 ms)")
      ->check(CLI::Range(0, 10000000));
  app.add_flag("--stats", stats, "print the messages sent, by kind");
  app.add_flag("-v,--verbose", verbose, "print faults, violations and leadership events");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (duration_ms < 0) duration_ms = faults ? 40000 : 10000;

  sim::Options opt;
  opt.nodes = nodes;
  opt.seed = seed;
  opt.loss = loss;
  opt.base.strategy = strategy;
  opt.base.quorum_size = quorum;
  opt.base.heartbeat_interval = ms(heartbeat_ms);
  opt.base.election_delay = ms(election_delay_ms);
  opt.start_stagger = stagger_us >= 0
                          ? Duration(std::chrono::microseconds(stagger_us))
                          : std::max(Duration(std::chrono::microseconds(50)),
                                     std::min(Duration(ms(1)), Duration(ms(2000)) / nodes));
  sim::Cluster c(opt);
  c.set_tracing(false);
  const Time t0 = c.now();
  const Time end = t0 + ms(duration_ms);
  c.start_all();

  auto agreed = [&] { return c.agreed_leader().has_value(); };
  const Duration check = nodes > 200 ? ms(10) : Duration::zero();
  const Duration bound = ms(30000) + ms(election_delay_ms) + opt.start_stagger * nodes;
  std::vector<std::string> liveness;
  if (faults) {
    c.run_until(t0 + opt.start_stagger * nodes + ms(election_delay_ms) + ms(500));
    sim::FaultOptions fo;
    fo.duration = std::max(Duration(ms(1000)), (end - c.now()) * 6 / 10);
    const auto log = sim::inject_faults(c, seed, fo);
    if (verbose) {
      for (const auto& l : log.lines) std::printf("fault %s\n", l.c_str());
    }
  }
  const Time healed = c.now();
  if (!c.run_until(agreed, bound, check)) {
    liveness.push_back("no agreed leader within " + std::to_string(to_ms(bound)) + "ms of " +
                       (faults ? "healing" : "start"));
  } else if (verbose) {
    std::printf("agreed on %s after %lldms\n", c.agreed_leader()->c_str(),
                static_cast<long long>(to_ms(c.now() - healed)));
  }
  // The last 5 s (at most half the run) are the idle window that --stats reports per node.
  const Time window_start = std::max(c.now(), end - std::min(Duration(ms(5000)), (end - t0) / 2));
  if (c.now() < window_start) c.run_until(window_start);
  const sim::Stats at_window = c.stats();
  if (c.now() < end) c.run_until(end);
  if (liveness.empty() && !c.run_until(agreed, bound, check)) {
    liveness.push_back("no agreed leader at the end of the run");
  }

  if (verbose) {
    for (const auto& name : c.names()) {
      NodeCore* n = c.node(name);
      if (!n) {
        std::printf("node %s down\n", name.c_str());
        continue;
      }
      std::string view;
      for (const auto& m : n->members()) view += " " + m.name + ":" + to_string(m.status);
      std::printf("node %s role=%s leader=%s term=%llu max_term=%llu up=%zu%s\n", name.c_str(),
                  to_string(n->role()), n->leader().value_or("none").c_str(),
                  static_cast<unsigned long long>(n->term()),
                  static_cast<unsigned long long>(n->max_term()), n->membership().up_count(),
                  view.c_str());
    }
  }
  if (stats) {
    for (const auto& [kind, count] : c.stats().by_kind) {
      std::printf("messages %s=%llu\n", kind.c_str(), static_cast<unsigned long long>(count));
    }
    print_idle(at_window, c.stats(), window_start, c.now(), nodes);
  }
  const auto& v = c.invariants().violations();
  for (const auto& s : v) std::printf("violation: %s\n", s.c_str());
  for (const auto& s : liveness) std::printf("violation: %s\n", s.c_str());
  const auto leader = c.agreed_leader();
  const std::uint64_t term = leader ? c.node(*leader)->term() : 0;
  std::printf("violations=%zu leader=%s term=%llu elections=%llu messages=%llu sim_ms=%lld\n",
              v.size() + liveness.size(), leader ? leader->c_str() : "none",
              static_cast<unsigned long long>(term),
              static_cast<unsigned long long>(c.acquisitions()),
              static_cast<unsigned long long>(c.stats().messages),
              static_cast<long long>(to_ms(c.now() - t0)));
  return v.empty() && liveness.empty() ? 0 : 1;
}
