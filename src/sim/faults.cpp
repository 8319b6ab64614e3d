#include "sim/faults.hpp"

#include "sim/injector.hpp"

namespace elector::sim {

void heal_all(Cluster& c) {
  c.heal();
  c.set_loss(0);
  c.set_latency(c.options().latency_min, c.options().latency_max);
  for (const auto& name : c.names()) {
    if (c.frozen(name)) c.thaw(name);
    if (!c.running(name)) c.start(name);
  }
}

FaultLog inject_faults(Cluster& c, std::uint64_t seed, const FaultOptions& opt) {
  FaultProfile prof = opt.profile ? *opt.profile
                      : opt.mode == ProfileMode::swarm
                          ? draw_profile(seed, c.options().base.heartbeat_interval)
                          : classic_profile();
  FaultLog log = run_injector(c, seed, std::move(prof), c.now() + opt.duration);
  log.lines.push_back("t=" + std::to_string(to_ms(c.now() - Cluster::epoch())) + "ms heal all");
  heal_all(c);
  return log;
}

}  // namespace elector::sim
