// Election as leader: heartbeats, watchers, the lease, stepping down and handing over.
#include "core/election.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/election_internal.hpp"

namespace elector::core {

using namespace election_internal;

Heartbeat Election::heartbeat(std::uint64_t seq, Duration far) const {
  return Heartbeat{leader_term_, seq, round_, quorum() > 1, leading_->watchers(), to_ms(far)};
}

void Election::send_heartbeats(Time now, const Membership& mem, Outbox& out, bool everyone) {
  const std::uint64_t seq = ++hb_seq_;
  leading_->heartbeat_sent(now, seq, T_);
  // A watcher dropped from the list hears it at once: it expected a heartbeat within 4T, and its
  // far turn could come later than that.
  const std::vector<std::string> dropped = leading_->take_watchers();
  choose_watchers(now, mem);
  const std::vector<std::string>& watchers = leading_->watchers();
  const bool all_before = dropped.empty() && !watchers.empty();
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
    const bool watcher = watched(watchers, name);
    if (everyone || watcher || turn || was_watcher(name)) {
      // A far member's heartbeat goes without a connection: then the leader's death wakes only
      // its watchers, not every member (docs/design.md §3, "Who holds a connection to whom"). A
      // watcher's goes both ways: the connection tells it of the leader's death, the datagram
      // reaches it while TCP retransmits a lost segment.
      out.send(name, m.addr(), hb, watcher ? Route::both : Route::datagram);
    }
  }
}

Duration Election::silence_limit(const Membership& mem) const {
  if (!leading_ || leading_->watchers().empty()) return Duration::zero();
  return 3 * far_interval(mem);
}

Duration Election::far_interval(const Membership& mem) const {
  if (cfg_.far_heartbeat_interval > Duration::zero()) return far_;  // as configured
  return far_ * big_cluster_factor(mem.up_count() + 1);
}

void Election::choose_watchers(Time now, const Membership& mem) {
  std::vector<std::string> w;
  if (far_ <= T_) {
    leading_->clear_watchers();  // far members would be heartbeated every T anyway
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
      pool.push_back(Pick{leading_->supporter_rank(name, now, lease_), pool.size(), name});
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
  leading_->set_watchers(std::move(w), candidates, mem.up_count(), now);
}

void Election::recompute_lease(Time now, const Membership& mem) {
  leading_->settle_lease(now, quorum(), lease_, [&](const std::string& name, std::uint64_t boot) {
    const Member* m = mem.find(name);
    return m && m->up() && m->boot() == boot;
  });
}

void Election::handle(Time now, const Envelope& env, const HeartbeatResp& b, const Membership& mem,
                      Outbox& out) {
  if (b.term > term_) term_ = b.term;
  if (role() == Role::leader && !b.ok && b.term > leader_term_) {
    // A member follows a newer leadership than ours (two leaders met after a partition with a
    // small quorum): step down and let a fresh election, above every known term, settle it.
    resign(now, now, LossReason::higher_term, "", false, mem, out);
    if (cfg_.automatic_elections) begin_leaderless(now, ElectionReason::higher_term, mem, out);
    return;
  }
  // A proof of life (its arrival is what the leader's failure detector needed) binds nothing.
  if (role() != Role::leader || b.term != leader_term_ || !b.ok || b.alive_only) return;
  leading_->acknowledged(env.header.self.name, env.header.self.boot, b.seq);
}

void Election::step_down(Time now, Time effective, LossReason reason, Outbox& out) {
  if (!leading_) return;
  // If the lease had already run out (the process was frozen or late), leadership ended then,
  // whatever made this node notice now.
  const bool lapsed = leading_->lease_end() <= now;
  // Never before it began: a lease that the cluster's growth ended at once ends when it began.
  out.events.emplace_back(LeadershipLost{leader_term_, leading_->lost_at(effective, now),
                                         lapsed ? LossReason::lease_expired : reason});
  leading_.reset();
  set_leader(std::nullopt, leader_term_, out);
}

void Election::resign(Time now, Time effective, LossReason reason, const std::string& successor,
                      bool cleared, const Membership& mem, Outbox& out) {
  const std::uint64_t t = leader_term_;
  const std::vector<std::string> watchers =
      leading_ ? leading_->watchers() : std::vector<std::string>{};
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

}  // namespace elector::core
