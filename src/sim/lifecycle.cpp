#include "sim/cluster_internal.hpp"

#include <algorithm>

namespace elector::sim {

void Cluster::start_all() {
  for (int i = 0; i < opt_.nodes; ++i) {
    Item it;
    it.at = now_ + opt_.start_stagger * i;
    it.kind = Item::Kind::call;
    const std::string name = name_of(i);
    it.fn = [this, name] { start(name); };
    push(std::move(it));
  }
}

void Cluster::start(const std::string& name, const Boot& how) {
  SimNode& n = at(name);
  if (n.live()) return;
  n.crashed = false;
  n.stopped = false;
  n.frozen = false;
  n.parked.clear();
  n.boots = how.boot != 0 ? how.boot : n.boots + 1;
  if (how.config) {
    n.cfg = *how.config;
    n.cfg.name = n.name;
    n.cfg.listen = n.addr;
  }
  if (how.lose_state) n.lose_state = true;
  Config cfg = n.cfg;
  cfg.seeds.clear();
  if (how.seeds) {
    cfg.seeds = *how.seeds;
  } else if (opt_.delivery == Delivery::instant) {
    // Step by step: join the cluster that runs, through its first node.
    for (const auto& other : nodes_) {
      if (other->index == n.index || !other->live()) continue;
      cfg.seeds.push_back(other->addr);
      break;
    }
  } else {
    // King's layout: everyone joins through box1. A restarted node is given box1..box3 as seeds,
    // as a deployment lists a few seeds.
    const int nseeds = n.boots > 1 ? std::min(3, opt_.nodes) : 1;
    for (int i = 0; i < nseeds; ++i) {
      if (i != n.index) cfg.seeds.push_back(nodes_[static_cast<std::size_t>(i)]->addr);
    }
  }
  const std::uint64_t seed =
      opt_.node_seed ? opt_.node_seed(n.name, n.boots)
                     : mix(opt_.seed, mix(static_cast<std::uint64_t>(n.index), n.boots));
  core::Past past;
  if (n.disk) past = core::Past{n.lose_state ? core::Recall::lost : core::Recall::kept, *n.disk};
  n.lose_state = false;
  // Step by step, each process has a directory of its own, as a real one does: its members are
  // then iterated in the order it learned of them, not in the cluster's index order.
  const bool own = opt_.delivery == Delivery::instant;
  n.core = std::make_unique<core::NodeCore>(cfg, n.boots, seed, local(n), past,
                                            own ? nullptr : directory_);
  process(n, [&](core::NodeCore& c) { c.start(local(n)); });
}

void Cluster::crash(const std::string& name, bool signal) {
  SimNode& n = at(name);
  if (!n.live()) return;
  const std::uint64_t boot = n.core->boot();
  n.crashed = true;
  n.frozen = false;
  n.core.reset();
  leader_role_.erase(n.index);
  n.parked.clear();
  ++n.gen;
  const std::unordered_map<int, Time> streams = close_streams(n);
  if (!signal || !opt_.crash_signal) return;
  for (const auto& other : nodes_) {
    if (!other->live() || other->index == n.index || !reachable(n.index, other->index)) continue;
    if (opt_.stream_idle_close > Duration::zero()) {
      const auto s = streams.find(other->index);
      if (s == streams.end() || !still_open(s->second)) continue;
    }
    std::optional<Duration> delay = Duration::zero();
    if (opt_.crash_signal_delay) delay = opt_.crash_signal_delay(other->name);
    if (!delay) continue;
    Item it;
    it.at = now_ + latency() + *delay;
    it.kind = Item::Kind::gone;
    it.node = other->index;
    it.gone_name = name;
    it.gone_boot = boot;
    push(std::move(it));
  }
}

void Cluster::restart(const std::string& name, bool lose_state) {
  SimNode& n = at(name);
  if (n.live()) crash(name);
  n.lose_state = lose_state;
  start(name);
}

void Cluster::set_disk_full(const std::string& name, bool full) {
  at(name).disk_full = full;
}

void Cluster::freeze(const std::string& name) {
  SimNode& n = at(name);
  if (n.live()) n.frozen = true;
}

void Cluster::thaw(const std::string& name) {
  SimNode& n = at(name);
  if (!n.frozen) return;
  n.frozen = false;
  auto parked = std::move(n.parked);
  n.parked.clear();
  for (auto& it : parked) {
    it.at = now_;
    push(std::move(it));
  }
  if (n.live()) {
    n.wake = kNever;  // its timers are overdue: fire them now, late, as a thawed process does
    schedule_wake(n);
  }
}

void Cluster::stop(const std::string& name) {
  SimNode& n = at(name);
  if (!n.live()) return;
  process(n, [&](core::NodeCore& c) { c.stop(local(n)); });
  n.stopped = true;
  n.frozen = false;
  leader_role_.erase(n.index);
  close_streams(n);  // with a goodbye: no peer takes it for a crash
}

void Cluster::hang_hooks(const std::string& name, bool hang) {
  at(name).hang_hooks = hang;
}

core::ElectOutcome Cluster::elect(const std::string& name) {
  SimNode& n = at(name);
  if (!n.live() || n.frozen) return core::ElectOutcome::stopped;
  core::ElectOutcome r = core::ElectOutcome::stopped;
  process(n, [&](core::NodeCore& c) { r = c.elect(local(n)); });
  return r;
}

void Cluster::clear_leader(const std::string& name) {
  input(name, [](core::NodeCore& c, Time now) { c.clear_leader(now); });
}

bool Cluster::input(const std::string& name,
                    const std::function<void(core::NodeCore&, Time local_now)>& fn) {
  SimNode& n = at(name);
  if (!n.live() || n.frozen) return false;
  process(n, [&](core::NodeCore& c) { fn(c, local(n)); });
  return true;
}

bool Cluster::receive(const std::string& name, const core::Envelope& env) {
  return input(name, [&](core::NodeCore& c, Time now) { c.receive(now, env); });
}

bool Cluster::peer_gone(const std::string& name, const std::string& gone, std::uint64_t boot) {
  return input(name, [&](core::NodeCore& c, Time now) { c.peer_gone(now, gone, boot); });
}
}  // namespace elector::sim
