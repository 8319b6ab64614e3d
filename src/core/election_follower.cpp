// Election as follower: following heartbeats, resignations and forwarded requests.
#include "core/election.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/election_internal.hpp"

namespace elector::core {

using namespace election_internal;

void Election::follow(Time now, const MemberUpdate& leader, std::uint64_t term, Duration stay,
                      bool bind, std::vector<std::string> watchers, Outbox& out) {
  // A far heartbeat does not shorten a promise given as a watcher: the leader may count on it.
  Time bound_until = support_ && support_->name == leader.name ? support_->bound_until : Time{};
  if (bind) bound_until = std::max(bound_until, now + promise_);
  support_ = Support{leader.name, leader.boot,        term, std::max(bound_until, now + stay),
                     bound_until, std::move(watchers)};
  deferred_hb_.reset();
  term_ = std::max(term_, term);
  const bool changed = !leader_ || *leader_ != leader.name || leader_term_ != term;
  // A node that learns of a new leadership outside an election of its own (it joined, or the
  // others elected while it was away) still sees one election: started and finished.
  if (changed && !ongoing_) election_started(now, ElectionReason::leader_changed, false, out);
  set_leader(leader.name, term, out);
  if (changed) {
    handover_backoff_.forget(leader.name);  // it took over after all
    excluded_.clear();
    retry_at_ = kNever;
    awaiting_successor_.clear();
    cleared_ = false;
    election_finished(now, out);
  }
}

Duration Election::heartbeat_far_interval(const Heartbeat& hb) const {
  return ms(std::clamp<std::int64_t>(hb.far_interval_ms, to_ms(T_), to_ms(1000 * T_)));
}

bool Election::follow_deferred(Time now, const Membership& mem, Outbox& out) {
  if (!deferred_hb_) return false;
  const DeferredHeartbeat d = std::move(*deferred_hb_);
  deferred_hb_.reset();
  // One older than the support it would have given (4T for a watcher, four far intervals for
  // the others) is stale: had it been followed, this node would have given its leader up by now.
  // A younger one may well be the latest its leader sends this node (a member that stopped being
  // a watcher hears the leader only every far interval), and campaigning instead would run against
  // a cluster that follows it. Following it late is safe: the leader counts its lease from the
  // heartbeat's sending, before this node's promise, which starts now, and a far member's support
  // binds no lease. Its sender must still be up (handle checks).
  const bool near = watched(d.hb.watchers, cfg_.name);
  if (now - d.at >= (near ? promise_ : 4 * heartbeat_far_interval(d.hb)) || support_active(now)) {
    return false;
  }
  handle(now, Envelope{d.header, d.hb, {}}, d.hb, mem, out);
  return leader_ && *leader_ == d.header.self.name && leader_term_ == d.hb.term &&
         support_active(now);
}

void Election::handle(Time now, const Envelope& env, const Heartbeat& b, const Membership& mem,
                      Outbox& out) {
  const MemberUpdate& from = env.header.self;
  // A watcher (every member when none are named) is heartbeated every T, over its leader's
  // connection and as a datagram, and binds itself; a far member expects one heartbeat per far
  // interval, by datagram, and gives the leader up after four. Both answer by datagram.
  const bool near = watched(b.watchers, cfg_.name);
  // A refusal names the term of the leadership this node follows: a leader that learns of a
  // newer one steps down.
  auto refuse = [&] {
    const std::uint64_t followed = support_active(now) ? support_->term : leader_term_;
    out.send(from.name, from.addr, HeartbeatResp{followed, b.seq, false});
  };
  // A heartbeat that was overtaken by its sender's Resign or Leave (or its process's end) is old
  // news: following it would promise support to a leader that is gone.
  const Member* sender = mem.find(from.name);
  if (!sender || !sender->up() || sender->boot() != from.boot) return;
  if (from.name == released_ && b.term <= released_term_) return;
  // The other copy of a heartbeat already followed, or one overtaken by a newer one (a copy held
  // up behind a TCP retransmission): the leader has its answer, and the promise runs from the
  // newer one.
  if (from.name == followed_hb_.name && from.boot == followed_hb_.boot &&
      b.term == followed_hb_.term && b.seq <= followed_hb_.seq) {
    return;
  }
  // A far follower's support binds no one (its leader does not count it), so a newer
  // leadership's heartbeat ends it; a bound one refuses and keeps the heartbeat for later.
  const bool supporting_other = support_active(now) && support_->name != from.name &&
                                (bound(now) || b.term <= support_->term);
  if (supporting_other) {
    // Kept for when the promise ends, also from a leader of the promised term: the candidate
    // promised to did not win it then, and a far member would otherwise hear that leader again
    // only a far interval later, campaigning meanwhile against a cluster that follows it.
    if (b.term >= support_->term) deferred_hb_ = DeferredHeartbeat{env.header, b, now};
    return refuse();
  }
  if (role() == Role::leader) {
    // Two leaders meet (only possible with a quorum of half the cluster or less): the higher term
    // stays; on equal terms the smaller name.
    if (b.term > leader_term_ || (b.term == leader_term_ && from.name < cfg_.name)) {
      step_down(now, now, LossReason::higher_term, out);
    } else {
      return refuse();
    }
  }
  // Terms never go back: a leader older than the one this node last followed is refused.
  if (b.term < leader_term_) return refuse();
  if (campaign_) abandon_campaign(now, mem, out);
  const bool new_leadership = !leader_ || *leader_ != from.name || leader_term_ != b.term;
  const bool may_promise = now >= quiet_until_ && !unsaved_;
  const Time promised_before =
      support_ && support_->name == from.name ? support_->bound_until : Time{};
  follow(now, from, b.term, near ? promise_ : 4 * heartbeat_far_interval(b), near, b.watchers, out);
  followed_hb_ = FollowedHeartbeat{from.name, from.boot, b.term, b.seq};
  if (!may_promise) {
    // Sees the leader, but promises nothing new: its previous process may still be bound
    // (quiet_until_), or it cannot save a promise that a restart would keep (unsaved_). It still
    // believes the leader only as long as a follower would, and gives it up when the heartbeats
    // stop (support_->until): a leader that died before the quiet period ended would otherwise be
    // followed for ever.
    support_->bound_until = promised_before;
    return refuse();
  }
  if (!new_leadership && b.election_round != leader_round_) {
    // The leader ran an election and kept the leadership.
    election_started(now, ElectionReason::leader_round, false, out);
    election_finished(now, out);
  }
  leader_round_ = b.election_round;
  if (b.want_ack && near) {
    out.send(from.name, from.addr, HeartbeatResp{b.term, b.seq, true});
  } else if (!b.watchers.empty() && now >= next_alive_ack_) {
    // A cluster with far members: the leader watches every member that does not probe, and a
    // far member hears it once per far interval, so it answers that; a watcher, heartbeated
    // every T, answers twice per far interval.
    out.send(from.name, from.addr, HeartbeatResp{b.term, b.seq, true, true});
    next_alive_ack_ = now + heartbeat_far_interval(b) / 2;
  }
}

bool Election::probing_delegated(Time now) const {
  return role() == Role::follower && leader_ && support_ && support_->name == *leader_ &&
         support_->term == leader_term_ && support_active(now) &&
         !watched(support_->watchers, cfg_.name);
}

void Election::handle(Time now, const Envelope& env, const Resign& b, const Membership& mem,
                      Outbox& out) {
  const std::string& from = env.header.self.name;
  const bool was_leader = leader_ && *leader_ == from && leader_term_ == b.term;
  if (support_ && support_->name == from && support_->term == b.term) {
    support_.reset();
    // A candidate that released its voters lost to the leader whose heartbeat this node had to
    // refuse meanwhile: it follows that one now rather than campaigning against it.
    if (!was_leader && follow_deferred(now, mem, out)) return;
  }
  if (!was_leader) return;  // a candidate releasing its voters, or old news
  released_ = from;
  released_term_ = b.term;
  set_leader(std::nullopt, leader_term_, out);
  if (b.cleared) {
    election_started(now, ElectionReason::cleared, false, out);
    election_finished(now, out);
    stay_cleared(now, mem, out);
    return;
  }
  election_started(now, ElectionReason::handover, false, out);
  if (!b.successor.empty()) {
    if (b.successor == cfg_.name) {
      campaign(now, false, true, mem, out);
    } else {
      awaiting_successor_ = b.successor;
      successor_deadline_ = now + tm_.successor_wait;
    }
    return;
  }
  excluded_ = {from};
  if (cfg_.automatic_elections) begin_leaderless(now, ElectionReason::leader_resigned, mem, out);
}

void Election::handle(Time now, const Envelope&, const ElectForward& b, const Membership& mem,
                      Outbox& out) {
  if (role() != Role::leader) {
    // elect() on a node that sees no leader (after clear_leader, or a non-candidate): every
    // node starts a leaderless election, so that the best candidate campaigns.
    if (!b.clear && !leader_ && !stopped_) {
      cleared_ = false;
      excluded_.clear();
      begin_leaderless(now, ElectionReason::requested, mem, out);
    }
    return;
  }
  if (b.clear) {
    clear_leader(now, mem, out);
  } else {
    reevaluate(now, ElectionReason::requested, mem, out);
  }
}

void Election::leader_lost(Time now, const Membership& mem, Outbox& out) {
  set_leader(std::nullopt, leader_term_, out);
  if (cfg_.automatic_elections) {
    begin_leaderless(now, ElectionReason::leader_lost, mem, out);
  } else {
    election_started(now, ElectionReason::leader_lost, false, out);
    election_finished(now, out);
  }
}

}  // namespace elector::core
