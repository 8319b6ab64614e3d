// Election: what the election does when a member's state changes (joined, alive again, down) and
// when the transport sees a peer's process end.
#include "core/election.hpp"

#include <algorithm>
#include <string>

namespace elector::core {

void Election::on_member_change(Time now, const MemberChange& c, const Membership& mem,
                                Outbox& out) {
  switch (c.kind) {
    case MemberChange::Kind::joined:
      member_joined(now, c.name, mem, out);
      return;
    case MemberChange::Kind::alive_again:
      member_alive_again(now, c.name, mem);
      return;
    case MemberChange::Kind::failed:
    case MemberChange::Kind::left:
    case MemberChange::Kind::restarted:
    case MemberChange::Kind::gone:
      member_down(now, c.name, c.kind, mem, out);
      return;
  }
}

void Election::member_joined(Time now, const std::string& name, const Membership& mem,
                             Outbox& out) {
  handover_backoff_.forget(name);
  count_member(name, mem, out);
  if (join_wait_ && mem.joined()) {
    // The election put off for the join is due now: waiting out the rest of T would make every
    // start with a short election_delay last a T longer.
    join_wait_ = false;
    election_due_ = std::min(election_due_, now);
  }
  if (leading_ && !leading_->watchers().empty()) {
    // A joiner is a far member: without this it would wait up to a far interval to learn the
    // leader, and might campaign meanwhile.
    if (const Member* m = mem.find(name)) {
      out.send(name, m->addr(), heartbeat(hb_seq_, far_interval(mem)), Route::datagram);
    }
  }
  schedule(now, ElectionReason::member_joined);
}

void Election::member_alive_again(Time now, const std::string& name, const Membership& mem) {
  // A suspected member is in no ranking; cleared, it may rank first again, as a joiner may. Only
  // a leader acts: a node without one is electing anyway and ranks afresh at each step.
  if (stopped_ || role() != Role::leader) return;
  const Member* m = mem.find(name);
  // Most members rank after the leader (a storm clears many suspicions): only the others are
  // worth a ranking of every member.
  if (!m || handover_backoff_.passed_over(now, name) ||
      ranks_before_candidate(now, m->record(), mem)) {
    return;
  }
  if (handover_choice(now, mem, false) == name) schedule(now, ElectionReason::better_candidate);
}

void Election::member_down(Time now, const std::string& name, MemberChange::Kind how,
                           const Membership& mem, Outbox& out) {
  if (stopped_) return;
  handover_backoff_.forget(name);
  if (how == MemberChange::Kind::left) {
    known_.left(name);
    report_availability(out);
  }
  // A process that is gone, left or restarted cannot hold a lease: its supporters are free. A
  // member merely declared failed by gossip keeps its promise until it runs out.
  const bool gone = how != MemberChange::Kind::failed;
  if (gone && leader_ && *leader_ == name) {
    released_ = name;
    released_term_ = leader_term_;
  }
  if (gone) drop_support_of(now, name, 0, mem);
  if (gone && support_ && support_->name == name) {
    const bool was_leader = leader_ && *leader_ == name;
    support_.reset();
    if (follow_deferred(now, mem, out)) return;
    if (was_leader && role() != Role::leader) {
      excluded_ = {name};
      leader_lost(now, mem, out);
      return;
    }
  }
  if (campaign_) campaign_->votes.refuse(name);
  schedule(now, how == MemberChange::Kind::left ? ElectionReason::member_left
                                                : ElectionReason::member_failed);
}

void Election::on_peer_gone(Time now, const std::string& name, std::uint64_t boot,
                            const Membership& mem, Outbox& out) {
  if (stopped_) return;
  drop_support_of(now, name, boot, mem);
  if (!support_ || support_->name != name) return;
  if (boot != 0 && support_->boot != boot) return;
  const bool was_leader = leader_ && *leader_ == name && role() != Role::leader;
  released_term_ = support_->term;
  support_.reset();
  released_ = name;
  if (follow_deferred(now, mem, out)) return;
  if (was_leader) {
    excluded_ = {name};
    leader_lost(now, mem, out);
  }
}

}  // namespace elector::core
