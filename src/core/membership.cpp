#include "core/membership.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

namespace elector::core {

namespace {
constexpr Duration kGossipInterval = ms(200);
constexpr std::size_t kGossipFanout = 3;
/// Members a leaving node tells directly, besides the leader (all of them up to this many).
constexpr std::size_t kLeaveFanout = 8;
}  // namespace

Membership::Membership(const MembershipTuning& tuning, MemberUpdate self, Time now, Rng& rng,
                       std::shared_ptr<MemberDirectory> directory)
    : t_(tuning),
      self_(std::move(self)),
      self_started_(now),
      rng_(rng),
      dir_(directory ? std::move(directory) : std::make_shared<MemberDirectory>()),
      awareness_(tuning.awareness_max),
      queue_(static_cast<std::size_t>(std::max(tuning.max_broadcast_queue, 1)), *dir_) {
  self_.status = MemberStatus::alive;
  self_.from.clear();
}

void Membership::start(Time now, const std::vector<std::string>& seeds, Outbox& out) {
  for (const auto& s : seeds) {
    if (s != self_.addr) seeds_.push_back(s);
  }
  // Random phases so that nodes started together do not probe in lockstep.
  next_probe_ = now + Duration(rng_.between(0, t_.probe_interval.count()));
  next_push_pull_ = now + push_pull_period() + Duration(rng_.between(0, t_.probe_interval.count()));
  next_reconnect_ = now + t_.reconnect_interval;
  if (seeds_.empty()) {
    joined_ = true;
  } else {
    join_backoff_ = t_.join_retry_min;
    send_joins(now, out);
  }
}

void Membership::send_joins(Time now, Outbox& out) {
  // Every seed at each attempt: a node that others joined counts as joined, and one that had
  // asked a single seed (not up yet) formed a cluster of its own with them that never merged.
  for (const auto& s : seeds_) out.send("", s, make_push_pull(now, true, true));
  next_join_ = now + join_backoff_;
  join_backoff_ = std::min(join_backoff_ * 2, t_.join_retry_max);
}

MemberUpdate Membership::self_record(Time now) const {
  MemberUpdate u = self_;
  u.age_ms = to_ms(now - self_started_);
  return u;
}

const Member* Membership::find(const std::string& name) const {
  const auto id = dir_->find(name);
  return id ? members_.find(*id) : nullptr;
}

Member* Membership::find_mut(const std::string& name) {
  const auto id = dir_->find(name);
  return id ? members_.find(*id) : nullptr;
}

MemberUpdate Membership::record_of(Time now, const Member& m) const {
  MemberUpdate u = m.record();
  u.age_ms = m.started ? to_ms(now - *m.started) : -1;
  return u;
}

int Membership::retransmit_limit() const {
  const double n = static_cast<double>(up_count_ + 1);
  return t_.retransmit_mult * static_cast<int>(std::ceil(std::log10(n + 1.0)));
}

Duration Membership::suspicion_min() const {
  const double n = static_cast<double>(up_count_ + 1);
  const double scale = std::max(1.0, std::log10(n));
  return Duration(static_cast<Duration::rep>(static_cast<double>(t_.probe_interval.count()) *
                                             t_.suspicion_mult * scale));
}

Duration Membership::probe_period() const {
  // A big cluster probes less often (big_cluster_factor: 3 s at 450 members by default). The time
  // to declare a member dead is by then mostly the suspicion timeout, which grows with log n
  // anyway (10.6 s at 450), so a slower probe adds little to it, while probes are most of the
  // idle traffic of each member (docs/performance.md). A leader's failure does not wait for
  // probes: its watchers and the transport detect it.
  return t_.probe_interval * big_cluster_factor(up_count_ + 1);
}

Duration Membership::push_pull_period() const {
  const double n = static_cast<double>(up_count_ + 1);
  if (n <= 32) return t_.push_pull_interval;
  const auto mult = static_cast<int>(std::ceil(std::log2(n) - std::log2(32.0))) + 1;
  return t_.push_pull_interval * mult;
}

PushPull Membership::make_push_pull(Time now, bool join, bool want_reply) const {
  auto state = std::make_shared<std::vector<MemberUpdate>>();
  state->reserve(members_.size() + 1);
  state->push_back(self_record(now));
  for (const auto& [name, m] : members_) state->push_back(record_of(now, m));
  PushPull p;
  p.state = std::move(state);
  p.join = join;
  p.want_reply = want_reply;
  return p;
}

std::vector<MemberUpdate> Membership::take_gossip() {
  return queue_.take(static_cast<std::size_t>(t_.max_piggyback), retransmit_limit());
}

void Membership::on_envelope(Time now, const Envelope& env, std::int64_t runtime_ms, Outbox& out) {
  const MemberUpdate& h = env.header.self;
  if (h.name == self_.name) return;
  apply(now, h, Source::direct, out);
  if (Member* m = find_mut(h.name); m && m->boot() == h.boot) {
    // Every estimate of the start is late (by the message's delay and the age's rounding down,
    // never early), so the earliest one seen is the best: it does not jitter with each message,
    // and an uptime ranking of nodes started a millisecond apart settles on the true order.
    if (h.age_ms >= 0) {
      const Time est = now - ms(h.age_ms);
      if (!m->started || est < *m->started) m->started = est;
    }
    m->runtime_ms = runtime_ms;
    watch_.heard(now, m->id());
  }
  for (const auto& u : env.gossip) apply(now, u, Source::gossip, out);
  joined_ = true;
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, Ping> || std::is_same_v<B, Ack> ||
                      std::is_same_v<B, Nack> || std::is_same_v<B, PingReq> ||
                      std::is_same_v<B, PushPull>) {
          handle(now, env, b, out);
        }
      },
      env.body);
  // Idle CPU is wake-ups: a probe due within half an interval goes out now, with the message
  // that woke the process, rather than on a wake-up of its own. The schedule keeps its pace (the
  // next probe is due one interval after this one was), so members are probed as often as before.
  const Duration period = probe_period();
  if (probing_ && !probe_ && !leaving_ && next_probe_ != kNever &&
      now + period / 2 >= next_probe_) {
    start_probe(now, out);
    next_probe_ += period;
  }
}

void Membership::handle(Time, const Envelope& env, const Ping& b, Outbox& out) {
  if (!b.target.empty() && b.target != self_.name) return;  // meant for a previous owner of addr
  out.send(env.header.self.name, env.header.self.addr, Ack{b.seq});
}

void Membership::handle(Time, const Envelope&, const Ack& b, Outbox& out) {
  if (probe_ && probe_->seq == b.seq) {
    awareness_.apply(-1);
    probe_.reset();
    return;
  }
  if (auto it = relays_.find(b.seq); it != relays_.end()) {
    out.send(it->second.origin, it->second.origin_addr, Ack{it->second.origin_seq});
    relays_.erase(it);
  }
}

void Membership::handle(Time, const Envelope&, const Nack& b, Outbox&) {
  if (probe_ && probe_->seq == b.seq) ++probe_->nacks;
}

void Membership::handle(Time now, const Envelope& env, const PingReq& b, Outbox& out) {
  const std::uint64_t seq = next_seq_++;
  // The nack must reach the prober before its probe ends (probe_interval after it started, which
  // is about probe_timeout after this request): answer a fifth of the timeout early.
  relays_[seq] =
      Relay{env.header.self.name, env.header.self.addr, b.seq, now + t_.probe_timeout * 4 / 5};
  out.send(b.target, b.target_addr, Ping{seq, b.target});
}

void Membership::handle(Time now, const Envelope& env, const PushPull& b, Outbox& out) {
  if (b.state) {
    for (const auto& u : *b.state) {
      if (u.name != env.header.self.name) apply(now, u, Source::state, out);
    }
  }
  if (!b.want_reply) return;
  // The answer goes over TCP: a retry that arrives while it is under way asks for nothing new. A
  // new process under the name (a higher boot) is answered at once.
  const MemberUpdate& from = env.header.self;
  const auto it = answered_.find(from.name);
  if (it != answered_.end() && it->second.first == from.boot &&
      now < it->second.second + t_.join_retry_max) {
    return;
  }
  answered_[from.name] = {from.boot, now};
  out.send(from.name, from.addr, make_push_pull(now, false, false));
}

void Membership::reshuffle() {
  probe_order_.clear();
  for (const auto& [name, m] : members_) {
    if (m.up()) probe_order_.push_back(m.id());
  }
  for (std::size_t i = probe_order_.size(); i > 1; --i) {
    std::swap(probe_order_[i - 1], probe_order_[rng_.below(i)]);
  }
  probe_pos_ = 0;
}

void Membership::start_probe(Time now, Outbox& out) {
  if (probe_) finish_probe(now, out);
  const Member* target = nullptr;
  for (int pass = 0; pass < 2 && !target; ++pass) {
    while (probe_pos_ < probe_order_.size()) {
      const Member* m = members_.find(probe_order_[probe_pos_++]);
      if (m && m->up()) {
        target = m;
        break;
      }
    }
    if (!target) reshuffle();
  }
  if (!target) return;
  Probe p;
  p.seq = next_seq_++;
  p.target = target->id();
  p.boot = target->boot();
  p.timeout_at = now + awareness_.scale(t_.probe_timeout);
  p.end_at = now + awareness_.scale(t_.probe_interval);
  probe_ = p;
  out.send(target->name(), target->addr(), Ping{p.seq, target->name()});
}

void Membership::finish_probe(Time now, Outbox& out) {
  const Probe p = *probe_;
  probe_.reset();
  if (p.indirect_sent) awareness_.apply(p.expected_nacks - p.nacks);
  const Member* m = members_.find(p.target);
  if (!m || m->boot() != p.boot) return;
  suspect(now, p.target, false, out);
}

void Membership::suspect(Time now, std::uint32_t id, bool silent, Outbox& out) {
  const Member* m = members_.find(id);
  if (!m || !m->up()) return;
  if (m->status == MemberStatus::alive) {
    MemberUpdate u = record_of(now, *m);
    u.status = MemberStatus::suspect;
    u.from = self_.name;
    apply(now, u, Source::gossip, out);
    m = members_.find(id);
  }
  // Silence on the leader's heartbeat stream is three missed answers over a connection, not one
  // failed probe, and no other member probes a far follower to confirm a suspicion of it
  // (Lifeguard's timeout would stay at its maximum, six times longer): the suspicion, this
  // node's or one it heard of, runs for the minimum. The member still has that long to refute.
  if (!silent || !m || m->status != MemberStatus::suspect) return;
  const auto it = suspicions_.find(id);
  const Time before = it == suspicions_.end() ? kNever : it->second.deadline();
  end_suspicion(id);
  // A suspicion heard of that would end sooner keeps its deadline.
  const Time start = before == kNever ? now : std::min(now, before - suspicion_min());
  start_suspicion(start, *m, self_.name, true);
}

void Membership::set_probing(Time now, bool on) {
  if (on == probing_) return;
  probing_ = on;
  // Spread: the far followers that a lost leader releases all at once must not probe in step.
  if (on && next_probe_ != kNever) {
    next_probe_ = now + Duration(rng_.between(0, probe_period().count()));
  }
}

std::vector<Member> Membership::random_up(std::size_t k, std::optional<std::uint32_t> exclude) {
  std::vector<Member> picked;
  if (probe_order_.empty()) return picked;
  for (std::size_t tries = 0; tries < 4 * k + 4 && picked.size() < k; ++tries) {
    const std::uint32_t id = probe_order_[rng_.below(probe_order_.size())];
    const Member* m = members_.find(id);
    if (!m || !m->up() || id == exclude) continue;
    if (std::any_of(picked.begin(), picked.end(), [&](const Member& p) { return p.id() == id; })) {
      continue;
    }
    picked.push_back(*m);
  }
  return picked;
}

void Membership::tick(Time now, Outbox& out) {
  if (!joined_ && now >= next_join_) send_joins(now, out);

  if (probe_ && !probe_->indirect_sent && now >= probe_->timeout_at) {
    probe_->indirect_sent = true;
    const auto helpers = random_up(static_cast<std::size_t>(t_.indirect_checks), probe_->target);
    probe_->expected_nacks = static_cast<int>(helpers.size());
    if (const Member* target = members_.find(probe_->target)) {
      for (const Member& h : helpers) {
        out.send(h.name(), h.addr(), PingReq{probe_->seq, target->name(), target->addr()});
      }
    }
  }
  if (probe_ && now >= probe_->end_at) finish_probe(now, out);
  if (probing_ && now >= next_probe_) {
    start_probe(now, out);
    next_probe_ = now + probe_period();
  }

  for (auto it = relays_.begin(); it != relays_.end();) {
    if (it->second.deadline <= now) {
      out.send(it->second.origin, it->second.origin_addr, Nack{it->second.origin_seq});
      it = relays_.erase(it);
    } else {
      ++it;
    }
  }

  for (const std::uint32_t id : watch_.take_silent(now, members_)) suspect(now, id, true, out);

  while (!suspicion_deadlines_.empty() && suspicion_deadlines_.begin()->first <= now) {
    const std::uint32_t id = suspicion_deadlines_.begin()->second;
    suspicion_deadlines_.erase(suspicion_deadlines_.begin());
    const Member* m = members_.find(id);
    if (!m || m->status != MemberStatus::suspect) continue;
    MemberUpdate u = record_of(now, *m);
    u.status = MemberStatus::dead;
    u.from = self_.name;
    apply(now, u, Source::gossip, out);
  }

  if (queue_.fresh(t_.retransmit_mult) && now >= next_gossip_) {
    for (const Member& m : random_up(kGossipFanout, std::nullopt)) {
      out.send(m.name(), m.addr(), Gossip{});
    }
    next_gossip_ = now + kGossipInterval;
  }

  if (now >= next_push_pull_) {
    for (const Member& m : random_up(1, std::nullopt)) {
      out.send(m.name(), m.addr(), make_push_pull(now, false, true));
    }
    next_push_pull_ = now + push_pull_period();
  }

  if (now >= next_reconnect_) {
    // Members that failed or left are contacted again until forgotten: a partition heals, and a
    // process restarted at the same address is found even if its seeds point elsewhere.
    std::vector<const Member*> dead;
    for (const auto& [since, id] : down_since_) {
      if (const Member* m = members_.find(id)) dead.push_back(m);
    }
    // The cluster as a whole tries about once per interval for each member it remembers down:
    // each live member tries with probability down / live (Serf's reconnect rule). If every
    // member tried, a cluster of 450 with one crashed member would send that address 225 full
    // lists a second (30 kB each, encoded and authenticated), and the first of them fall in the
    // failover the crash began. A partition heals as before: the smaller side sees more members
    // down than up, so each of its members tries every interval.
    const std::size_t live = up_count_ + 1;
    if (!dead.empty() && (dead.size() >= live || rng_.below(live) < dead.size())) {
      const Member* m = dead[rng_.below(dead.size())];
      out.send(m->name(), m->addr(), make_push_pull(now, false, true));
    }
    // A node that has been in the cluster and lost every member asks its seeds again. One still
    // joining does not: its joins back off (send_joins), and a second stream of requests every
    // reconnect interval kept a thousand joiners' busy seeds from ever catching up.
    if (joined_ && up_count_ == 0 && !seeds_.empty() && !leaving_) {
      for (const auto& s : seeds_) out.send("", s, make_push_pull(now, true, true));
    } else if (joined_ && !leaving_) {
      // A seed that is not a live member's address may front a group this node never heard of:
      // processes restarted during a partition join only the seeds they can reach, and two such
      // groups would never merge. Tried by the cluster as a whole about once per interval each,
      // as dead members are.
      std::vector<const std::string*> unknown;
      // (Checked when the process wakes anyway: it adds no wake-up of its own.) One pass over
      // the members that stops once every seed is found, and no set of N addresses: each of
      // the N nodes of a simulation did this every reconnect interval.
      std::vector<char> found(seeds_.size(), 0);
      std::size_t missing = seeds_.size();
      for (auto it = members_.begin(); missing > 0 && it != members_.end(); ++it) {
        const Member& m = (*it).second;
        if (!m.up()) continue;
        for (std::size_t i = 0; i < seeds_.size(); ++i) {
          if (!found[i] && m.addr() == seeds_[i]) {
            found[i] = 1;
            --missing;
          }
        }
      }
      for (std::size_t i = 0; i < seeds_.size(); ++i) {
        if (!found[i]) unknown.push_back(&seeds_[i]);
      }
      if (!unknown.empty() && (unknown.size() >= live || rng_.below(live) < unknown.size())) {
        out.send("", *unknown[rng_.below(unknown.size())], make_push_pull(now, true, true));
      }
    }
    next_reconnect_ = now + t_.reconnect_interval;
    std::erase_if(answered_,
                  [&](const auto& e) { return e.second.second + t_.join_retry_max <= now; });
  }

  while (!down_since_.empty() && down_since_.begin()->first + t_.dead_reap <= now) {
    const std::uint32_t id = down_since_.begin()->second;
    down_since_.erase(down_since_.begin());
    down_at_.erase(id);
    members_.erase(id);
  }
}

void Membership::peer_gone(Time now, const std::string& name, std::uint64_t boot, Outbox& out) {
  Member* m = find_mut(name);
  if (!m || !m->up()) return;
  if (boot != 0 && m->boot() != boot) return;
  set_status(now, *m, MemberStatus::dead, out, DownReason::process_gone);
  // Every member connected to the process sees it end by itself (a leader's: its watchers), so
  // the record needs no dedicated gossip: it rides on messages sent anyway (votes, heartbeats,
  // probes). Dedicated gossip from each of hundreds of witnesses woke hundreds of processes more
  // in the middle of a failover.
  queue_.push(record_of(now, *m), t_.retransmit_mult);
}

void Membership::leave(Time, const std::vector<std::string>& first, Outbox& out) {
  leaving_ = true;
  ++self_.incarnation;
  self_.status = MemberStatus::left;
  if (up_count_ <= kLeaveFanout) {
    for (const auto& [name, m] : members_) {
      if (m.up()) out.send(name, m.addr(), Leave{});
    }
    return;
  }
  // Not every member from us: when a whole cluster of hundreds stops at once, N x N direct
  // messages (each needing a connection) were most of the time it took. The members told
  // spread the news as they spread any (dedicated gossip while it is fresh).
  std::set<std::uint32_t> told;
  for (const auto& name : first) {
    const Member* m = find(name);
    if (!m || !m->up() || !told.insert(m->id()).second) continue;
    out.send(name, m->addr(), Leave{});
  }
  for (const Member& m : random_up(kLeaveFanout, std::nullopt)) {
    if (told.insert(m.id()).second) out.send(m.name(), m.addr(), Leave{});
  }
}

Time Membership::next_wakeup() const {
  Time t = std::min({probing_ ? next_probe_ : kNever, next_push_pull_, watch_.next_check()});
  // Reconnects wake the process only when there is someone to reach; otherwise the deadline
  // merely moves on with the other wake-ups.
  if (!down_since_.empty() || (joined_ && up_count_ == 0 && !seeds_.empty() && !leaving_)) {
    t = std::min(t, next_reconnect_);
  }
  if (!joined_) t = std::min(t, next_join_);
  if (probe_) {
    t = std::min(t, probe_->end_at);
    if (!probe_->indirect_sent) t = std::min(t, probe_->timeout_at);
  }
  for (const auto& [seq, r] : relays_) t = std::min(t, r.deadline);
  if (!suspicion_deadlines_.empty()) t = std::min(t, suspicion_deadlines_.begin()->first);
  if (queue_.fresh(t_.retransmit_mult)) t = std::min(t, next_gossip_);
  if (!down_since_.empty()) t = std::min(t, down_since_.begin()->first + t_.dead_reap);
  return t;
}

}  // namespace elector::core
