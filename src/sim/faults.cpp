#include "sim/faults.hpp"

#include <algorithm>

#include "core/rng.hpp"
#include "sim/injector.hpp"

namespace elector::sim {
namespace {

/// Thaws `name` if frozen, starts it if down.
void bring_up(Cluster& c, const std::string& name) {
  if (c.frozen(name)) c.thaw(name);
  if (!c.running(name)) c.start(name);
}

}  // namespace

void heal_all(Cluster& c) {
  c.heal();
  c.set_loss(0);
  c.set_latency(c.options().latency_min, c.options().latency_max);
  for (const auto& name : c.names()) bring_up(c, name);
}

std::string log_line(const Cluster& c, const std::string& what) {
  return "t=" + std::to_string(to_ms(c.now() - Cluster::epoch())) + "ms " + what;
}

FaultLog fault_phase(Cluster& c, std::uint64_t seed, const FaultOptions& opt) {
  FaultProfile prof = opt.profile ? *opt.profile
                      : opt.mode == ProfileMode::swarm
                          ? draw_profile(seed, c.options().base.heartbeat_interval)
                          : classic_profile();
  return run_injector(c, seed, std::move(prof), c.now() + opt.duration);
}

FaultLog inject_faults(Cluster& c, std::uint64_t seed, const FaultOptions& opt) {
  FaultLog log = fault_phase(c, seed, opt);
  log.lines.push_back(log_line(c, "heal all"));
  heal_all(c);
  return log;
}

int quorum_heal_size(int nodes, int quorum_size) {
  return std::min(nodes, std::max(nodes / 2 + 1, quorum_size));
}

std::string QuorumHeal::describe() const {
  auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
    return s;
  };
  std::string s = list(healed) + " healed";
  if (!crashed.empty()) s += "; crashed " + list(crashed) + (signal ? "" : " (silent)");
  if (!partitioned.empty()) s += "; partitioned " + list(partitioned);
  return s;
}

QuorumHeal draw_quorum_heal(const Cluster& c, std::uint64_t seed, int size) {
  core::Rng rng(seed ^ 0x9a0a9a0a9a0a9a0aULL);
  const auto& names = c.names();
  std::vector<char> heal(names.size(), 0);
  const auto want = static_cast<std::size_t>(std::clamp(size, 0, static_cast<int>(names.size())));
  for (std::size_t chosen = 0; chosen < want;) {
    const std::size_t i = rng.below(names.size());
    if (!heal[i]) {
      heal[i] = 1;
      ++chosen;
    }
  }
  QuorumHeal h;
  h.signal = rng.chance(0.5);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (heal[i]) {
      h.healed.push_back(names[i]);
    } else {
      (rng.chance(0.5) ? h.crashed : h.partitioned).push_back(names[i]);
    }
  }
  return h;
}

void heal_quorum(Cluster& c, const QuorumHeal& h) {
  c.heal();
  if (!h.partitioned.empty()) c.partition({h.partitioned});
  c.set_loss(0);
  c.set_latency(c.options().latency_min, c.options().latency_max);
  for (const auto& name : h.crashed) c.crash(name, h.signal);
  for (const auto& name : h.healed) bring_up(c, name);
  for (const auto& name : h.partitioned) bring_up(c, name);
}

}  // namespace elector::sim
