// elector-sim: runs a whole simulated cluster from a seed and checks the invariants.
//
// The last line of output is always
//   violations=V leader=NAME term=T elections=E messages=M sim_ms=X
// and the exit code is 1 when V > 0 (2 on bad usage). The same arguments replay the same run.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sim/cluster.hpp"
#include "sim/event_line.hpp"
#include "sim/faults.hpp"
#include "sim/run.hpp"

using namespace elector;

namespace {

/// Messages per node per simulated second between two snapshots, by kind and in all: the idle
/// traffic when nothing happens in the window (it must not grow with N).
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
  sim::RunSpec spec;
  std::string profile = "swarm";
  std::string clock;
  bool verbose = false;
  bool stats = false;
  bool trace = false;
  app.add_option("--nodes", spec.nodes, "number of nodes")->check(CLI::Range(1, 100000));
  app.add_option("--seed", spec.seed, "seed of every random choice");
  app.add_flag("--faults", spec.faults, "inject random faults, then heal and check liveness");
  app.add_option("--profile", profile,
                 "fault profile: swarm (drawn from the seed) or classic (one fixed mix)")
      ->check(CLI::IsMember({"swarm", "classic"}));
  app.add_option("--clock-skew", clock,
                 "node clock rates: none, within (the bound the lease assumes) or beyond it "
                 "(default: within with --faults, else none)")
      ->check(CLI::IsMember({"none", "within", "beyond"}));
  app.add_option("--quorum-size", spec.quorum, "quorum_size of every node (0: a majority)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--strategy", spec.strategy, "election strategy")
      ->check(
          CLI::IsMember({"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}));
  app.add_option("--duration-ms", spec.duration_ms,
                 "simulated time to run (default 10000, 40000 with --faults)");
  app.add_option("--heartbeat-interval", spec.heartbeat_ms, "T in ms")->check(CLI::Range(1, 60000));
  app.add_option("--election-delay", spec.election_delay_ms, "election_delay in ms")
      ->check(CLI::Range(0, 600000));
  app.add_option("--loss", spec.loss, "message loss probability")->check(CLI::Range(0.0, 0.9));
  std::vector<double> latency;
  app.add_option("--latency-ms", latency,
                 "one-way latency of every message, drawn between MIN and MAX ms (default 0.2 2)")
      ->expected(2)
      ->check(CLI::Range(0.0, 60000.0));
  app.add_flag("--tcp", spec.tcp,
               "stream messages meet --loss as over TCP: retransmitted after 200 ms (doubling), "
               "in order, never lost");
  app.add_option("--stagger-us", spec.stagger_us,
                 "delay between node starts in microseconds (default: 2 s spread over the nodes, "
                 "between 50 us and 1 ms)")
      ->check(CLI::Range(0, 10000000));
  app.add_flag("--stats", stats, "print the messages sent, by kind");
  app.add_flag("--trace", trace, "print every node's events, in order (up to 100 nodes)");
  app.add_flag("-v,--verbose", verbose,
               "print the fault profile, clocks, faults, violations and the nodes' state");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!latency.empty()) {
    if (latency[0] > latency[1]) {
      std::fprintf(stderr, "elector-sim: --latency-ms: MIN %g is above MAX %g\n", latency[0],
                   latency[1]);
      return 2;
    }
    spec.latency_min_ms = latency[0];
    spec.latency_max_ms = latency[1];
  }
  spec.profile = profile == "classic" ? sim::ProfileMode::classic : sim::ProfileMode::swarm;
  if (!clock.empty()) {
    const std::map<std::string, sim::ClockSkew> skews = {{"none", sim::ClockSkew::none},
                                                         {"within", sim::ClockSkew::within},
                                                         {"beyond", sim::ClockSkew::beyond}};
    spec.clock = skews.at(clock);
  }

  sim::Cluster c(sim::cluster_options(spec));
  c.set_tracing(trace);
  const Time t0 = c.now();
  const sim::RunResult r = sim::run(c, spec);
  if (verbose) {
    for (const auto& l : r.log.lines) std::printf("fault %s\n", l.c_str());
    if (r.quorum_agreed_after) {
      std::printf("healed majority agreed on %s after %lldms\n", r.quorum_agreed_on.c_str(),
                  static_cast<long long>(to_ms(*r.quorum_agreed_after)));
    }
    if (r.agreed_after) {
      std::printf("agreed on %s after %lldms\n", r.agreed_on.c_str(),
                  static_cast<long long>(to_ms(*r.agreed_after)));
    }
  }
  for (const auto& t : c.trace()) {
    std::printf("event t=%lldms %s#%llu %s\n", static_cast<long long>(to_ms(t.at - c.epoch())),
                t.node.c_str(), static_cast<unsigned long long>(t.boot),
                sim::event_line(t.event).c_str());
  }
  const auto& liveness = r.liveness;
  const int nodes = spec.nodes;

  if (verbose) {
    for (const auto& name : c.names()) {
      core::NodeCore* n = c.node(name);
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
    print_idle(r.at_window, c.stats(), r.window_start, c.now(), nodes);
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
