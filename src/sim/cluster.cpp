#include "sim/cluster_internal.hpp"

#include <algorithm>
#include <stdexcept>

namespace elector::sim {

namespace {
Options normalized(Options opt) {
  if (!opt.names.empty()) opt.nodes = static_cast<int>(opt.names.size());
  return opt;
}
}  // namespace

Cluster::Cluster(Options opt)
    : opt_(normalized(std::move(opt))),
      directory_(std::make_shared<core::MemberDirectory>()),
      rng_(opt_.seed),
      loss_(opt_.loss),
      latency_min_(opt_.latency_min),
      latency_max_(opt_.latency_max),
      group_(static_cast<std::size_t>(opt_.nodes), 0),
      inv_(opt_.nodes, opt_.base.quorum_size) {
  // A simulated epoch far from zero, so that "now - something" never underflows.
  now_ = epoch();
  tracing_ = opt_.nodes <= 100;
  for (int i = 0; i < opt_.nodes; ++i) {
    auto n = std::make_unique<SimNode>();
    n->index = i;
    n->name = opt_.names.empty() ? name_of(i) : opt_.names[static_cast<std::size_t>(i)];
    n->addr = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":7946";
    n->cfg = opt_.base;
    n->cfg.name = n->name;
    n->cfg.listen = n->addr;
    if (opt_.priority_by_index) n->cfg.priority = i + 1;
    if (opt_.per_node) opt_.per_node(n->cfg);
    directory_->id(n->name);
    by_name_[n->name] = i;
    by_addr_[n->addr] = i;
    names_.push_back(n->name);
    nodes_.push_back(std::move(n));
  }
  draw_clocks();
}

Cluster::~Cluster() = default;

Cluster::SimNode& Cluster::at(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw std::invalid_argument("no node named " + name);
  return *nodes_[static_cast<std::size_t>(it->second)];
}

const Cluster::SimNode* Cluster::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : nodes_[static_cast<std::size_t>(it->second)].get();
}

core::NodeCore* Cluster::node(const std::string& name) {
  return at(name).core.get();
}

void Cluster::call_at(Time t, std::function<void()> fn) {
  Item it;
  it.at = std::max(t, now_);
  it.kind = Item::Kind::call;
  it.fn = std::move(fn);
  push(std::move(it));
}

void Cluster::push(Item it) {
  it.seq = seq_++;
  heap_.push_back(std::move(it));
  std::push_heap(heap_.begin(), heap_.end(),
                 [](const Item& a, const Item& b) { return later(a, b); });
}

std::size_t Cluster::process(SimNode& n, const std::function<void(core::NodeCore&)>& input) {
  ++stats_.steps;
  n.core->set_runtime_ms(static_cast<std::int64_t>(n.processed / 50));
  input(*n.core);
  ++n.processed;
  const std::size_t produced = drain(n);
  if (n.core->role() == core::Role::leader) {
    leader_role_.insert(n.index);
  } else {
    leader_role_.erase(n.index);
  }
  inv_.check_term(now_, n.name, n.boots, n.core->term());
  inv_.check_leaders(now_, leases_now());
  return produced;
}

std::size_t Cluster::drain(SimNode& n) {
  core::Ready r = n.core->take_ready();
  if (r.save) {
    // Saved before any message of the step leaves; none leaves if the save failed, and what the
    // node does about the failure (a leader's Resign) is sent instead.
    const bool ok = !n.disk_full;
    if (ok) n.disk = *r.save;
    n.core->saved(local(n), ok);
    if (!ok) {
      core::Ready after = n.core->take_ready();
      r.messages = std::move(after.messages);
      for (auto& e : after.events) r.events.push_back(std::move(e));
      for (auto& h : after.hooks) r.hooks.push_back(std::move(h));
    }
  }
  const std::size_t produced = r.messages.size() + r.events.size() + r.hooks.size();
  for (auto& m : r.messages) send(n, std::move(m));
  for (auto& e : r.events) {
    inv_.on_event(now_, n.name, n.boots, e);
    if (observer_) observer_(n.name, e);
    if (tracing_) trace_.push_back(TracedEvent{now_, n.name, n.boots, e});
  }
  for (const auto& h : r.hooks) {
    const auto& cmds =
        h.phase == HookRequest::Phase::pre ? opt_.pre_election_hooks : opt_.post_election_hooks;
    hooks_.request(n.name, h, cmds, now_, opt_.hook_duration, n.cfg.hook_timeout, n.hang_hooks);
    Item it;
    it.at = hooks_.next_due();
    it.kind = Item::Kind::hooks;
    if (it.at != kNever) push(std::move(it));
  }
  schedule_wake(n);
  return produced;
}

void Cluster::schedule_wake(SimNode& n) {
  // The core asks for an instant on its own clock: wake it when that clock reads it.
  Time t = n.clock.global(n.core->next_wakeup());
  if (t == kNever) {
    n.wake = kNever;
    return;
  }
  t = std::max(t, now_);
  if (t == n.wake) return;
  n.wake = t;
  Item it;
  it.at = t;
  it.kind = Item::Kind::wake;
  it.node = n.index;
  it.gen = ++n.gen;
  push(std::move(it));
}

void Cluster::step(Item it) {
  now_ = std::max(now_, it.at);
  if (it.kind == Item::Kind::call) {
    it.fn();
    return;
  }
  if (it.kind == Item::Kind::hooks) {
    hooks_.advance(now_);
    Item next;
    next.at = hooks_.next_due();
    next.kind = Item::Kind::hooks;
    if (next.at != kNever) push(std::move(next));
    return;
  }
  SimNode& n = *nodes_[static_cast<std::size_t>(it.node)];
  if (!n.live()) {
    if (it.kind == Item::Kind::deliver) ++stats_.dropped;
    return;
  }
  if (it.kind == Item::Kind::wake && it.gen != n.gen) return;
  if (it.kind == Item::Kind::deliver && !reachable(it.from, it.node)) {
    ++stats_.dropped;  // the link was cut while the packet was in flight
    return;
  }
  if (n.frozen) {
    n.parked.push_back(std::move(it));
    return;
  }
  switch (it.kind) {
    case Item::Kind::deliver:
      deliver(n, it);
      break;
    case Item::Kind::wake:
      n.wake = kNever;
      ++stats_.timer_wakes;
      if (process(n, [&](core::NodeCore& c) { c.tick(local(n)); }) == 0) ++stats_.idle_timer_wakes;
      break;
    case Item::Kind::gone:
      ++stats_.crash_signals;
      process(n, [&](core::NodeCore& c) { c.peer_gone(local(n), it.gone_name, it.gone_boot); });
      break;
    default:
      break;
  }
}

void Cluster::run_until(Time t) {
  auto cmp = [](const Item& a, const Item& b) { return later(a, b); };
  while (!heap_.empty() && heap_.front().at <= t) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    Item it = std::move(heap_.back());
    heap_.pop_back();
    step(std::move(it));
  }
  now_ = std::max(now_, t);
}

void Cluster::run_for(Duration d) {
  run_until(now_ + d);
}

bool Cluster::run_until(const std::function<bool()>& pred, Duration limit, Duration check_every) {
  const Time deadline = now_ + limit;
  auto cmp = [](const Item& a, const Item& b) { return later(a, b); };
  Time next_check = now_;
  while (true) {
    if (now_ >= next_check) {
      if (pred()) return true;
      next_check = now_ + check_every;
    }
    if (heap_.empty() || heap_.front().at > deadline) {
      now_ = std::max(now_, deadline);
      return pred();
    }
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    Item it = std::move(heap_.back());
    heap_.pop_back();
    step(std::move(it));
  }
  return true;
}
}  // namespace elector::sim
