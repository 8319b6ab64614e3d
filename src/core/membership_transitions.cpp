// Membership: the named transitions of a member's state (new member, new process, alive,
// suspect, dead or left), what each reports to the application and the election, and the
// suspicions they start and end. The rules follow SWIM with Lifeguard's refinements: a higher
// incarnation overrides, a suspicion is refuted only by its member, and a newer process (boot)
// replaces the old one whatever either says.
#include "core/membership.hpp"

#include <string>

namespace elector::core {

namespace {
MemberChange::Kind change_of(DownReason why) {
  switch (why) {
    case DownReason::failed:
      return MemberChange::Kind::failed;
    case DownReason::left:
      return MemberChange::Kind::left;
    case DownReason::restarted:
      return MemberChange::Kind::restarted;
    case DownReason::process_gone:
      return MemberChange::Kind::gone;
  }
  return MemberChange::Kind::failed;
}
}  // namespace

void Membership::set_status(Time now, Member& m, MemberStatus s, Outbox& out, DownReason why) {
  const bool was_up = m.up();
  const bool was_suspect = m.status == MemberStatus::suspect;
  const std::uint32_t id = m.id();
  if (m.status == MemberStatus::suspect) end_suspicion(id);
  if (!was_up) {
    if (auto d = down_at_.find(id); d != down_at_.end()) {
      down_since_.erase({d->second, id});
      down_at_.erase(d);
    }
  }
  m.status = s;
  m.gone = s == MemberStatus::dead && why == DownReason::process_gone;
  const bool is_up = m.up();
  if (!is_up) {
    down_at_[id] = now;
    down_since_.insert({now, id});
  }
  if (was_suspect && s == MemberStatus::alive) {
    out.changes.push_back({MemberChange::Kind::alive_again, m.name()});
  }
  if (was_up && !is_up) {
    --up_count_;
    out.events.emplace_back(MemberDown{m.name(), why});
    out.changes.push_back({change_of(why), m.name()});
  } else if (!was_up && is_up) {
    ++up_count_;
    out.events.emplace_back(MemberUp{m.name()});
    out.changes.push_back({MemberChange::Kind::joined, m.name()});
    grow_for_one_more(probe_order_, dir_->size());
    probe_order_.push_back(id);  // then swapped to a random place
    std::swap(probe_order_.back(), probe_order_[rng_.below(probe_order_.size())]);
  }
}

void Membership::start_suspicion(Time now, const Member& m, const std::string& from,
                                 bool conclusive) {
  const auto n = static_cast<int>(up_count_ + 1);
  const int expected = conclusive || n - 2 < t_.indirect_checks ? 0 : t_.indirect_checks;
  const Duration min = suspicion_min();
  const auto it = suspicions_
                      .insert_or_assign(m.id(), Suspicion(from, expected, min,
                                                          min * t_.suspicion_max_timeout_mult, now))
                      .first;
  suspicion_deadlines_.insert({it->second.deadline(), m.id()});
}

void Membership::end_suspicion(std::uint32_t id) {
  if (auto it = suspicions_.find(id); it != suspicions_.end()) {
    suspicion_deadlines_.erase({it->second.deadline(), id});
    suspicions_.erase(it);
  }
}

void Membership::refute(Time now, std::uint32_t incarnation) {
  self_.incarnation = incarnation + 1;
  queue_.push(self_record(now));
  awareness_.apply(1);  // being suspected hints that we are the slow one
}

bool Membership::apply(Time now, const MemberUpdate& u, Source src, Outbox& out) {
  if (u.name == self_.name) {
    if (u.boot == self_.boot && u.status != MemberStatus::alive && !leaving_ &&
        u.incarnation >= self_.incarnation) {
      refute(now, u.incarnation);
    }
    return false;
  }
  const bool spread = src != Source::state;
  Member* found = find_mut(u.name);
  if (!found) return new_member(now, u, spread, out);
  Member& m = *found;
  if (u.boot < m.boot()) return false;
  if (u.boot > m.boot()) return new_process(now, m, u, spread, out);
  switch (u.status) {
    case MemberStatus::alive:
      return alive_member(now, m, u, spread, out);
    case MemberStatus::suspect:
      return suspect_member(now, m, u, spread, out);
    case MemberStatus::dead:
    case MemberStatus::left:
      return dead_member(now, m, u, spread, out);
  }
  return false;
}

bool Membership::new_member(Time now, const MemberUpdate& u, bool spread, Outbox& out) {
  if (u.status != MemberStatus::alive && u.status != MemberStatus::suspect) return false;
  Member fresh;
  fresh.info = dir_->intern(u);
  fresh.incarnation = u.incarnation;
  fresh.status = MemberStatus::dead;  // set_status below makes it up and says so
  if (u.age_ms >= 0) fresh.started = now - ms(u.age_ms);
  // Every name in the directory but ours may become a member: no more room than that.
  Member& m = members_.insert(fresh, dir_->size());
  down_at_[m.id()] = now;
  down_since_.insert({now, m.id()});
  set_status(now, m, u.status, out);
  if (u.status == MemberStatus::suspect) start_suspicion(now, m, u.from);
  if (spread) queue_.push(record_of(now, m));
  return true;
}

bool Membership::new_process(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out) {
  // The old process is gone, whatever the new one says of itself.
  if (m.up()) set_status(now, m, MemberStatus::dead, out, DownReason::restarted);
  const MemberStatus target = u.status;
  m.info = dir_->intern(u);
  m.incarnation = u.incarnation;
  m.status = MemberStatus::dead;
  m.runtime_ms = 0;
  m.started = u.age_ms >= 0 ? MaybeTime(now - ms(u.age_ms)) : MaybeTime();
  if (target == MemberStatus::alive || target == MemberStatus::suspect) {
    set_status(now, m, target, out);
    if (target == MemberStatus::suspect) start_suspicion(now, m, u.from);
  } else if (target == MemberStatus::left) {
    m.status = MemberStatus::left;
  }
  if (spread) queue_.push(record_of(now, m));
  return true;
}

bool Membership::alive_member(Time now, Member& m, const MemberUpdate& u, bool spread,
                              Outbox& out) {
  if (u.incarnation <= m.incarnation) return false;
  m.incarnation = u.incarnation;
  if (u.addr != m.addr() || !(u.meta == m.meta())) m.info = dir_->intern(u);
  set_status(now, m, MemberStatus::alive, out);
  if (spread) queue_.push(record_of(now, m));
  return true;
}

bool Membership::suspect_member(Time now, Member& m, const MemberUpdate& u, bool spread,
                                Outbox& out) {
  const bool takes = (m.status == MemberStatus::alive && u.incarnation >= m.incarnation) ||
                     (m.status == MemberStatus::suspect && u.incarnation > m.incarnation);
  if (takes) {
    m.incarnation = u.incarnation;
    set_status(now, m, MemberStatus::suspect, out);
    start_suspicion(now, m, u.from);
    if (spread) queue_.push(u);
    return true;
  }
  // The same suspicion from another member: a confirmation, which shortens it.
  auto s = suspicions_.find(m.id());
  if (m.status == MemberStatus::suspect && u.incarnation == m.incarnation &&
      s != suspicions_.end()) {
    const Time before = s->second.deadline();
    if (s->second.confirm(u.from)) {
      suspicion_deadlines_.erase({before, m.id()});
      suspicion_deadlines_.insert({s->second.deadline(), m.id()});
      if (spread) queue_.push(u);
      return true;
    }
  }
  return false;
}

bool Membership::dead_member(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out) {
  if (u.incarnation < m.incarnation) return false;
  if (!m.up()) {
    if (u.status == MemberStatus::left) m.status = MemberStatus::left;
    m.incarnation = u.incarnation;
    return false;
  }
  m.incarnation = u.incarnation;
  // A member whose transport saw the process end says so: as good as our own peer_gone
  // (design §7), and the first word of a leader's crash often comes this way.
  set_status(now, m, u.status, out,
             u.status == MemberStatus::left ? DownReason::left
             : u.gone                       ? DownReason::process_gone
                                            : DownReason::failed);
  if (spread && u.gone && m.name() == followed_) {
    queue_.push(record_of(now, m), t_.retransmit_mult);  // see set_followed
  } else if (spread) {
    queue_.push(record_of(now, m));
  }
  return true;
}

}  // namespace elector::core
