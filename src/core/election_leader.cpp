// Election as leader: heartbeats, watchers, the lease, stepping down and handing over.
#include "core/election.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/election_internal.hpp"
#include "core/lease_quorum.hpp"

namespace elector {

using namespace election_internal;

Heartbeat Election::heartbeat(std::uint64_t seq, Duration far) const {
  return Heartbeat{leader_term_, seq, round_, quorum() > 1, watchers_, to_ms(far)};
}

void Election::send_heartbeats(Time now, const Membership& mem, Outbox& out, bool everyone) {
  const std::uint64_t seq = ++hb_seq_;
  hb_sent_[seq] = now;
  while (hb_sent_.size() > 16) hb_sent_.erase(hb_sent_.begin());
  last_hb_sent_ = now;
  next_heartbeat_ = now + T_;
  // A watcher dropped from the list hears it at once: it expected a heartbeat within 4T, and its
  // far turn could come later than that.
  std::vector<std::string> dropped = std::move(watchers_);
  choose_watchers(now, mem);
  const bool all_before = dropped.empty() && !watchers_.empty();
  auto was_watcher = [&](const std::string& name) {
    return all_before || std::binary_search(dropped.begin(), dropped.end(), name);
  };
  const Duration far = far_interval(mem);
  const Heartbeat hb = heartbeat(seq, far);
  // Far members take turns: each T a different slice of them, so that each gets one heartbeat
  // per far interval and the leader's sends are spread evenly.
  const auto slices = static_cast<std::uint64_t>(std::max<Duration::rep>(far / T_, 1));
  std::uint64_t index = 0;
  for (const auto& [name, m] : mem.members()) {
    if (!m.up()) continue;
    const bool turn = index++ % slices == seq % slices;
    const bool watcher = watched(watchers_, name);
    if (everyone || watcher || turn || was_watcher(name)) {
      // A far member's heartbeat goes without a connection: then the leader's death wakes only
      // its watchers, not every member (docs/design.md §3, "Who holds a connection to whom").
      out.send(name, m.addr(), hb, watcher ? Route::stream : Route::datagram);
    }
  }
}

Duration Election::silence_limit(const Membership& mem) const {
  if (role_ != Role::leader || watchers_.empty()) return Duration::zero();
  return 3 * far_interval(mem);
}

Duration Election::far_interval(const Membership& mem) const {
  if (cfg_.far_heartbeat_interval > Duration::zero()) return far_;  // as configured
  return far_ * big_cluster_factor(mem.up_count() + 1);
}

void Election::choose_watchers(Time now, const Membership& mem) {
  std::vector<std::string> w;
  if (far_ <= T_) {
    watchers_.clear();  // far members would be heartbeated every T anyway
    return;
  }
  const auto k = static_cast<std::size_t>(std::max(cfg_.heartbeat_watchers, 1));
  for (const auto& name : ranking(now, mem, true, k + 1)) {
    if (w.size() >= k) break;
    if (name != cfg_.name) w.push_back(name);
  }
  const std::size_t candidates = w.size();
  if (quorum() > 1) {
    // Supporters, best first: those whose acknowledgement still counts in the lease, then those
    // just chosen (an acknowledgement is on its way), then the others in view order, and last
    // those chosen a lease ago that never acknowledged (frozen or cut off): they are replaced.
    struct Pick {
      int rank;
      std::size_t pos;
      std::string name;
    };
    std::vector<Pick> pool;
    for (const auto& [name, m] : mem.members()) {
      if (!m.up() || named(w, name)) continue;
      const auto a = acked_.find(name);
      const auto since = watch_since_.find(name);
      int rank = 2;
      if (a != acked_.end() && a->second.sent + lease_ > now) {
        rank = 0;
      } else if (since != watch_since_.end()) {
        rank = now - since->second <= lease_ ? 1 : 3;
      }
      pool.push_back(Pick{rank, pool.size(), name});
    }
    // q - 1 supporters and a spare, so that one frozen supporter does not end the lease before
    // it is replaced.
    const auto want = std::min(pool.size(), quorum());
    std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(want), pool.end(),
                      [](const Pick& a, const Pick& b) {
                        return std::tie(a.rank, a.pos) < std::tie(b.rank, b.pos);
                      });
    for (std::size_t i = 0; i < want; ++i) w.push_back(std::move(pool[i].name));
  }
  for (auto it = watch_since_.begin(); it != watch_since_.end();) {
    it = named(w, it->first) ? std::next(it) : watch_since_.erase(it);
  }
  for (std::size_t i = candidates; i < w.size(); ++i) watch_since_.try_emplace(w[i], now);
  if (w.size() >= mem.up_count()) w.clear();  // every member is a watcher: no far members
  std::sort(w.begin(), w.end());
  watchers_ = std::move(w);
}

void Election::recompute_lease(Time now, const Membership& mem) {
  LeaseQuorum lease(quorum());
  lease.add(last_hb_sent_ + lease_);
  for (const auto& [name, ack] : acked_) {
    // Only the process that answered supports: not one that restarted since (a new boot).
    const Member* m = mem.find(name);
    if (m && m->up() && m->boot() == ack.boot) lease.add(ack.sent + lease_);
  }
  lease_end_ = settle_lease_end(lease.end(), lease_end_, now);
}

void Election::handle(Time now, const Envelope& env, const HeartbeatResp& b, const Membership& mem,
                      Outbox& out) {
  if (b.term > term_) term_ = b.term;
  if (role_ == Role::leader && !b.ok && b.term > leader_term_) {
    // A member follows a newer leadership than ours (two leaders met after a partition with a
    // small quorum): step down and let a fresh election, above every known term, settle it.
    resign(now, now, LossReason::higher_term, "", false, mem, out);
    if (cfg_.automatic_elections) begin_leaderless(now, ElectionReason::higher_term, mem, out);
    return;
  }
  // A proof of life (its arrival is what the leader's failure detector needed) binds nothing.
  if (role_ != Role::leader || b.term != leader_term_ || !b.ok || b.alive_only) return;
  auto it = hb_sent_.find(b.seq);
  if (it == hb_sent_.end()) return;
  Ack& acked = acked_[env.header.self.name];
  if (acked.boot != env.header.self.boot) acked = Ack{it->second, env.header.self.boot};
  acked.sent = std::max(acked.sent, it->second);
}

void Election::step_down(Time now, Time effective, LossReason reason, Outbox& out) {
  if (role_ != Role::leader) return;
  role_ = Role::follower;
  // If the lease had already run out (the process was frozen or late), leadership ended then,
  // whatever made this node notice now.
  const bool lapsed = lease_end_ <= now;
  // Never before it began: a lease that the cluster's growth ended at once ends when it began.
  out.events.emplace_back(
      LeadershipLost{leader_term_, std::max(led_since_, std::min({effective, now, lease_end_})),
                     lapsed ? LossReason::lease_expired : reason});
  acked_.clear();
  hb_sent_.clear();
  watchers_.clear();
  watch_since_.clear();
  next_heartbeat_ = kNever;
  lease_end_ = Time{};
  set_leader(std::nullopt, leader_term_, out);
}

void Election::resign(Time now, Time effective, LossReason reason, const std::string& successor,
                      bool cleared, const Membership& mem, Outbox& out) {
  const std::uint64_t t = leader_term_;
  const std::vector<std::string> watchers = watchers_;
  step_down(now, effective, reason, out);
  // Watchers are bound by a promise and hear it on their stream; far members, bound by nothing,
  // by datagram, as they heard the heartbeats (a lost one costs them their far timeout).
  broadcast(mem, Resign{t, successor, cleared}, out, watchers);
}

void Election::reevaluate(Time now, ElectionReason reason, const Membership& mem, Outbox& out) {
  ++round_;
  election_started(now, reason, true, out);
  const std::string best = handover_choice(now, mem, false);
  if (!best.empty() && best != cfg_.name) {
    handover(now, best, mem, out);
    return;
  }
  election_finished(now, out);
  send_heartbeats(now, mem, out, true);  // followers see the round at once
}

void Election::handover(Time now, const std::string& successor, const Membership& mem,
                        Outbox& out) {
  released_ = cfg_.name;
  released_term_ = leader_term_;
  resign(now, now, LossReason::handover, successor, false, mem, out);
  if (!successor.empty()) {
    awaiting_successor_ = successor;
    successor_deadline_ = now + tm_.successor_wait;
  }
}

}  // namespace elector
