// elector-demo: narrates a simulated 5-node cluster (king's layout, priority strategy):
// a leader is elected, it crashes, a new leader takes over, box1 returns and leads again.
#include <cstdio>
#include <string>

#include "sim/cluster.hpp"

using namespace elector;

namespace {

double at_ms(const sim::Cluster& c) {
  return static_cast<double>((c.now() - sim::Cluster::epoch()).count()) / 1e6;
}

void show(sim::Cluster& c, const char* what) {
  std::printf("[%9.1f ms] %s\n", at_ms(c), what);
  for (const auto& name : c.names()) {
    core::NodeCore* n = c.node(name);
    if (!n || !c.running(name)) {
      std::printf("               %-5s dead\n", name.c_str());
      continue;
    }
    std::printf("               %-5s priority=%lld leader=%-5s term=%llu %s\n", name.c_str(),
                static_cast<long long>(n->config().priority), n->leader().value_or("none").c_str(),
                static_cast<unsigned long long>(n->term()),
                n->is_leader(c.now()) ? "<- leader" : "");
  }
}

bool wait_for(sim::Cluster& c, const std::string& leader) {
  const Time from = c.now();
  const bool ok = c.run_until(
      [&] {
        const auto l = c.agreed_leader();
        return l && (leader.empty() || *l == leader);
      },
      ms(10000));
  std::printf("[%9.1f ms] every node agrees: %s leads (after %.1f ms)\n", at_ms(c),
              ok ? c.agreed_leader()->c_str() : "NOBODY",
              static_cast<double>((c.now() - from).count()) / 1e6);
  return ok;
}

}  // namespace

int main() {
  sim::Options o;
  o.nodes = 5;
  o.seed = 2026;
  o.base.strategy = "priority";
  o.base.quorum_size = 3;
  sim::Cluster c(o);
  std::printf(
      "A simulated cluster of 5 nodes, strategy=priority (box1 is best), quorum_size=3,\n"
      "heartbeat every 100 ms, election_delay 1000 ms, 0.2-2 ms network latency.\n\n");
  c.start_all();
  if (!wait_for(c, "box1")) return 1;
  c.run_for(ms(500));
  show(c, "cluster formed");

  std::printf("\n[%9.1f ms] kill -9 box1 (its peers see the connection close)\n", at_ms(c));
  c.crash("box1", true);
  if (!wait_for(c, "box2")) return 1;
  show(c, "after the crash");

  std::printf("\n[%9.1f ms] freeze box2 (SIGSTOP: nothing tells its peers)\n", at_ms(c));
  c.freeze("box2");
  if (!wait_for(c, "box3")) return 1;
  c.thaw("box2");
  c.run_for(ms(200));
  show(c, "box2 thawed: its lease had run out, it follows box3");

  std::printf("\n[%9.1f ms] start box1 again\n", at_ms(c));
  c.start("box1");
  if (!wait_for(c, "box1")) return 1;
  c.run_for(ms(300));
  show(c, "box1 is back and leads again");
  std::printf("\nleaderships: %llu, messages: %llu, invariant violations: %zu\n",
              static_cast<unsigned long long>(c.acquisitions()),
              static_cast<unsigned long long>(c.stats().messages),
              c.invariants().violations().size());
  return c.invariants().violations().empty() ? 0 : 1;
}
