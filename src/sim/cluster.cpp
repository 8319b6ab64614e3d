#include "sim/cluster.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

namespace elector::sim {

struct Cluster::Item {
  enum class Kind { deliver, wake, gone, hooks, call };
  Time at{};
  std::uint64_t seq = 0;
  Kind kind = Kind::call;
  int node = -1;
  int from = -1;
  std::uint64_t gen = 0;
  Envelope env;
  std::string gone_name;
  std::uint64_t gone_boot = 0;
  std::function<void()> fn;
};

struct Cluster::SimNode {
  int index = 0;
  std::string name;
  std::string addr;
  Config cfg;
  std::unique_ptr<NodeCore> core;
  bool crashed = false;
  bool frozen = false;
  bool stopped = false;
  bool hang_hooks = false;
  std::uint64_t boots = 0;
  std::uint64_t gen = 0;
  Time wake = kNever;
  std::uint64_t processed = 0;
  /// What this node's state file holds: nothing before its first save. A restart reads it back,
  /// unless the restart is one that lost it (Cluster::restart).
  std::optional<DurableState> disk;
  /// Saves fail (a full disk): the node must then neither vote nor lead.
  bool disk_full = false;
  /// The next restart finds no usable state (Recall::lost).
  bool lose_state = false;
  std::vector<Item> parked;  // inputs that arrived while frozen
  /// Peer index -> last stream message between this process and that peer (either way): the
  /// connections a crash of either closes. Lookups only, so iteration order does not matter.
  std::unordered_map<int, Time> streams;
  /// The machine's monotonic clock: it outlives the process, so a restart keeps it.
  Clock clock;
  [[nodiscard]] bool live() const { return core && !crashed && !stopped; }
};

namespace {
bool later(const auto& a, const auto& b) {
  return a.at != b.at ? a.at > b.at : a.seq > b.seq;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 29);
}

constexpr std::int64_t kPpm = 1'000'000;
// Beyond this many nanoseconds past the epoch a local instant is taken for "never" (about three
// years: no run lasts that long, and the arithmetic below stays far from overflowing).
constexpr std::int64_t kFarNs = std::int64_t{100'000'000} * 1'000'000'000;
}  // namespace

Time Clock::local(Time global) const {
  // Split the elapsed time so that no product overflows: d * rate / 10^6 with d = q * 10^6 + r.
  const std::int64_t d = std::max<std::int64_t>(0, (global - Cluster::epoch()).count());
  if (global == kNever || d > kFarNs) return kNever;
  const std::int64_t scaled = d / kPpm * rate_ppm + d % kPpm * rate_ppm / kPpm;
  return Cluster::epoch() + offset + Duration(scaled);
}

Time Clock::global(Time local) const {
  if (local == kNever) return kNever;
  const std::int64_t l = (local - Cluster::epoch() - offset).count();
  if (l <= 0) return Cluster::epoch();
  if (l > kFarNs) return kNever;
  // The smallest d with floor(d * rate / 10^6) >= l is ceil(l * 10^6 / rate).
  const std::int64_t d = l / rate_ppm * kPpm + (l % rate_ppm * kPpm + rate_ppm - 1) / rate_ppm;
  return Cluster::epoch() + Duration(d);
}

std::string Clock::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "rate=%.4f offset=%lldms", static_cast<double>(rate_ppm) / kPpm,
                static_cast<long long>(to_ms(offset)));
  return buf;
}

const char* to_string(ClockSkew s) {
  switch (s) {
    case ClockSkew::within:
      return "within";
    case ClockSkew::beyond:
      return "beyond";
    default:
      return "none";
  }
}

Cluster::Cluster(Options opt)
    : opt_(std::move(opt)),
      directory_(std::make_shared<MemberDirectory>()),
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
    n->name = name_of(i);
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

void Cluster::draw_clocks() {
  if (opt_.clock_skew == ClockSkew::none) return;
  Rng rng(mix(opt_.seed, 0xc10c4c10c4ULL));
  const bool beyond = opt_.clock_skew == ClockSkew::beyond;
  // Beyond the bound: a random nonempty proper subset runs 1.5-2x fast (every node fast would
  // be no skew at all); within it, every rate lies in [1.0, 1.1].
  std::vector<char> fast(nodes_.size(), 0);
  if (beyond && nodes_.size() > 1) {
    const std::size_t k = 1 + rng.below(nodes_.size() - 1);
    for (std::size_t chosen = 0; chosen < k;) {
      const std::size_t i = rng.below(nodes_.size());
      if (!fast[i]) {
        fast[i] = 1;
        ++chosen;
      }
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Clock& k = nodes_[i]->clock;
    k.rate_ppm = fast[i] ? rng.between(1'500'000, 2'000'000) : rng.between(1'000'000, 1'100'000);
    k.offset = ms(rng.between(0, 600'000));
  }
}

const Clock& Cluster::clock(const std::string& name) const {
  const SimNode* n = find(name);
  if (!n) throw std::invalid_argument("no node named " + name);
  return n->clock;
}

Time Cluster::local_now(const std::string& name) const {
  return clock(name).local(now_);
}

Time Cluster::local(const SimNode& n) const {
  return n.clock.local(now_);
}

void Cluster::set_clock_rate(const std::string& name, std::int64_t rate_ppm) {
  SimNode& n = at(name);
  // Continuous: the new rate applies from the reading of now on (a monotonic clock never jumps).
  const Time reads = n.clock.local(now_);
  n.clock.rate_ppm = rate_ppm;
  n.clock.offset = Duration::zero();
  n.clock.offset = reads - n.clock.local(now_);
  if (n.live()) {
    n.wake = kNever;
    schedule_wake(n);
  }
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

NodeCore* Cluster::node(const std::string& name) {
  return at(name).core.get();
}

std::vector<std::string> Cluster::connected(const std::string& name) const {
  std::vector<std::string> peers;
  const SimNode* n = find(name);
  if (!n) return peers;
  for (const auto& [peer, last] : n->streams) {
    if (still_open(last)) peers.push_back(names_[static_cast<std::size_t>(peer)]);
  }
  std::sort(peers.begin(), peers.end());
  return peers;
}
bool Cluster::running(const std::string& name) const {
  const SimNode* n = find(name);
  return n && n->live();
}
bool Cluster::frozen(const std::string& name) const {
  const SimNode* n = find(name);
  return n && n->frozen;
}

Duration Cluster::latency() {
  return Duration(rng_.between(latency_min_.count(), latency_max_.count()));
}

void Cluster::set_latency(Duration min, Duration max) {
  latency_min_ = min;
  latency_max_ = std::max(min, max);
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

bool Cluster::reachable(int from, int to) const {
  const auto f = static_cast<std::size_t>(from);
  const auto t = static_cast<std::size_t>(to);
  if (group_[f] != group_[t]) return false;
  for (const auto& [id, cut] : one_way_) {
    const auto& [senders, receivers] = cut;
    if (senders[f] && receivers[t]) return false;
  }
  return true;
}

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

void Cluster::start(const std::string& name) {
  SimNode& n = at(name);
  if (n.live()) return;
  n.crashed = false;
  n.stopped = false;
  n.frozen = false;
  n.parked.clear();
  ++n.boots;
  Config cfg = n.cfg;
  cfg.seeds.clear();
  // King's layout: everyone joins through box1. A restarted node is given box1..box3 as seeds,
  // as a deployment lists a few seeds.
  const int nseeds = n.boots > 1 ? std::min(3, opt_.nodes) : 1;
  for (int i = 0; i < nseeds; ++i) {
    if (i != n.index) cfg.seeds.push_back(nodes_[static_cast<std::size_t>(i)]->addr);
  }
  const std::uint64_t seed = mix(opt_.seed, mix(static_cast<std::uint64_t>(n.index), n.boots));
  Past past;
  if (n.disk) past = Past{n.lose_state ? Recall::lost : Recall::kept, *n.disk};
  n.lose_state = false;
  n.core = std::make_unique<NodeCore>(cfg, n.boots, seed, local(n), past, directory_);
  process(n, [&](NodeCore& c) { c.start(local(n)); });
}

std::size_t Cluster::process(SimNode& n, const std::function<void(NodeCore&)>& input) {
  ++stats_.steps;
  n.core->set_runtime_ms(static_cast<std::int64_t>(n.processed / 50));
  input(*n.core);
  ++n.processed;
  const std::size_t produced = drain(n);
  if (n.core->role() == Role::leader) {
    leader_role_.insert(n.index);
  } else {
    leader_role_.erase(n.index);
  }
  inv_.check_term(now_, n.name, n.boots, n.core->term());
  inv_.check_leaders(now_, leases_now());
  return produced;
}

std::size_t Cluster::drain(SimNode& n) {
  Ready r = n.core->take_ready();
  if (r.save) {
    // Saved before any message of the step leaves; none leaves if the save failed, and what the
    // node does about the failure (a leader's Resign) is sent instead.
    const bool ok = !n.disk_full;
    if (ok) n.disk = *r.save;
    n.core->saved(local(n), ok);
    if (!ok) {
      Ready after = n.core->take_ready();
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
        h.phase == HookRequest::Phase::pre ? n.cfg.pre_election_hooks : n.cfg.post_election_hooks;
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

void Cluster::send(SimNode& from, Outgoing msg) {
  ++stats_.messages;
  ++stats_.by_kind[body_name(msg.env.body)];
  if (msg.route == Route::datagram) ++stats_.datagrams;
  auto it = by_addr_.find(msg.to_addr);
  if (it == by_addr_.end() || rng_.chance(loss_) || !reachable(from.index, it->second)) {
    ++stats_.dropped;
    return;
  }
  if (msg.route == Route::stream) {
    from.streams[it->second] = now_;
    nodes_[static_cast<std::size_t>(it->second)]->streams[from.index] = now_;
  }
  Item d;
  d.at = now_ + latency();
  d.kind = Item::Kind::deliver;
  d.node = it->second;
  d.from = from.index;
  d.env = std::move(msg.env);
  push(std::move(d));
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
      ++stats_.delivered;
      if (message_observer_) {
        message_observer_(names_[static_cast<std::size_t>(it.from)], n.name, it.env);
      }
      process(n, [&](NodeCore& c) { c.receive(local(n), it.env); });
      break;
    case Item::Kind::wake:
      n.wake = kNever;
      ++stats_.timer_wakes;
      if (process(n, [&](NodeCore& c) { c.tick(local(n)); }) == 0) ++stats_.idle_timer_wakes;
      break;
    case Item::Kind::gone:
      ++stats_.crash_signals;
      process(n, [&](NodeCore& c) { c.peer_gone(local(n), it.gone_name, it.gone_boot); });
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
  process(n, [&](NodeCore& c) { c.stop(local(n)); });
  n.stopped = true;
  n.frozen = false;
  leader_role_.erase(n.index);
  close_streams(n);  // with a goodbye: no peer takes it for a crash
}

bool Cluster::still_open(Time last_use) const {
  return opt_.stream_idle_close <= Duration::zero() || now_ - last_use <= opt_.stream_idle_close;
}

std::unordered_map<int, Time> Cluster::close_streams(SimNode& n) {
  std::unordered_map<int, Time> streams;
  streams.swap(n.streams);
  for (const auto& [peer, last] : streams) {
    nodes_[static_cast<std::size_t>(peer)]->streams.erase(n.index);
  }
  return streams;
}

void Cluster::partition(const std::vector<std::vector<std::string>>& groups) {
  std::fill(group_.begin(), group_.end(), 0);
  int g = 1;
  for (const auto& grp : groups) {
    for (const auto& name : grp) group_[static_cast<std::size_t>(at(name).index)] = g;
    ++g;
  }
}

int Cluster::cut_one_way(const std::vector<std::string>& from, const std::vector<std::string>& to) {
  std::vector<char> senders(nodes_.size(), 0);
  std::vector<char> receivers(nodes_.size(), 0);
  for (const auto& name : from) senders[static_cast<std::size_t>(at(name).index)] = 1;
  for (const auto& name : to) receivers[static_cast<std::size_t>(at(name).index)] = 1;
  one_way_.emplace(next_cut_, std::make_pair(std::move(senders), std::move(receivers)));
  return next_cut_++;
}

void Cluster::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  one_way_.clear();
}

void Cluster::hang_hooks(const std::string& name, bool hang) {
  at(name).hang_hooks = hang;
}

ElectOutcome Cluster::elect(const std::string& name) {
  SimNode& n = at(name);
  if (!n.live() || n.frozen) return ElectOutcome::stopped;
  ElectOutcome r = ElectOutcome::stopped;
  process(n, [&](NodeCore& c) { r = c.elect(local(n)); });
  return r;
}

void Cluster::clear_leader(const std::string& name) {
  SimNode& n = at(name);
  if (!n.live() || n.frozen) return;
  process(n, [&](NodeCore& c) { c.clear_leader(local(n)); });
}

std::vector<std::string> Cluster::leaders_now() const {
  std::vector<std::string> out;
  for (const auto& l : leases_now()) out.push_back(l.node);
  return out;
}

std::vector<Invariants::Lease> Cluster::leases_now() const {
  std::vector<Invariants::Lease> out;
  for (int i : leader_role_) {
    const SimNode& n = *nodes_[static_cast<std::size_t>(i)];
    if (n.live() && n.core->is_leader(local(n))) {
      out.push_back({n.name, n.core->term(), n.clock.global(n.core->lease_end())});
    }
  }
  return out;
}

std::optional<std::string> Cluster::agreed_leader() const {
  std::optional<std::string> leader;
  bool any = false;
  for (const auto& n : nodes_) {
    if (!n->live() || n->frozen) continue;
    const auto& l = n->core->leader();
    if (!l) return std::nullopt;
    if (any && *l != *leader) return std::nullopt;
    leader = l;
    any = true;
  }
  if (!leader) return std::nullopt;
  const SimNode* ln = find(*leader);
  if (!ln || !ln->live() || ln->frozen || !ln->core->is_leader(local(*ln))) return std::nullopt;
  return leader;
}

}  // namespace elector::sim
