// Election: answering (pre-)vote requests, and this node's own campaigns.
#include "core/election.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/election_internal.hpp"

namespace elector::core {

using namespace election_internal;

Refusal Election::refusal(Time now, const MemberUpdate& from, std::uint64_t term, bool pre,
                          const Membership& mem) const {
  if (from.meta.settings_hash != settings_hash_) return Refusal::settings_mismatch;
  if (!from.meta.candidate) return Refusal::not_candidate;
  // Only a member that is up, in the process this node knows, is voted for: a request from one
  // that left, failed or restarted since is old news (delayed, or replayed by its owner, who
  // still has the secret).
  const Member* m = mem.find(from.name);
  if (!m || !m->up() || m->boot() != from.boot) return Refusal::not_member;
  if (now < quiet_until_) return Refusal::restarting;
  if (unsaved_) return Refusal::unsaved;
  if (campaign_ && ranks_before_candidate(now, from, mem)) {
    // Both campaign (e.g. the better one was still in its quiet period when the other's
    // fallback timer ran out): voting for the worse one would elect it only to hand over.
    return Refusal::better_candidate;
  }
  if (is_leader(now)) return Refusal::leader;
  // A far follower is not counted on by its leader, so it may back one of the leader's watchers:
  // a watcher campaigns only when it has missed the leader for 4T (a frozen leader), and far
  // followers must not stall that failover for their longer timeout. Anyone else is refused
  // while the leader seems alive, so a rejoining or cut-off node cannot disrupt it.
  if (support_active(now) && support_->name != from.name &&
      (bound(now) || !named(support_->watchers, from.name))) {
    return Refusal::promised;
  }
  // A term has one leader: a campaign for the term of the leadership this node follows began
  // before its candidate heard of that leader, cannot win, and backing it would give the leader
  // up (a joiner of a big cluster met the first leader's heartbeat and the runner-up's request).
  if (leader_ && *leader_ != from.name && term <= leader_term_) return Refusal::leader_of_term;
  if (term < voted_term_ || (term == voted_term_ && voted_for_ != from.name)) {
    return Refusal::already_voted;
  }
  if (!pre && term < term_) return Refusal::stale_term;
  return Refusal::none;
}

void Election::reply_vote(Time now, const MemberUpdate& to, std::uint64_t term, bool pre,
                          bool granted, Refusal reason, Outbox& out) const {
  VoteResp r;
  r.term = term;
  r.pre = pre;
  r.granted = granted;
  r.reason = reason;
  if (!granted) {
    if (is_leader(now)) {
      r.promise_left_ms = to_ms(leading_->lease_end() - now) + 1;
      r.leader = cfg_.name;
    } else if (support_active(now)) {
      // A named watcher is refused only while this node is bound; anyone else until it gives
      // the leader up.
      const Time end = named(support_->watchers, to.name) ? support_->bound_until : support_->until;
      if (end > now) r.promise_left_ms = to_ms(end - now) + 1;
      if (leader_ && *leader_ == support_->name) r.leader = *leader_;
    } else if (now < quiet_until_) {
      r.promise_left_ms = to_ms(quiet_until_ - now) + 1;  // ask again when the quiet ends
    }
  }
  out.send(to.name, to.addr, std::move(r));
}

void Election::handle(Time now, const Envelope& env, const PreVoteReq& b, const Membership& mem,
                      Outbox& out) {
  extend_rank_wait(now, env.header.self, requested_length(b.campaign_ms), mem);
  const Refusal why = refusal(now, env.header.self, b.term, true, mem);
  reply_vote(now, env.header.self, b.term, true, why == Refusal::none, why, out);
}

void Election::handle(Time now, const Envelope& env, const VoteReq& b, const Membership& mem,
                      Outbox& out) {
  const MemberUpdate& from = env.header.self;
  extend_rank_wait(now, from, requested_length(b.campaign_ms), mem);
  const Refusal why = refusal(now, from, b.term, false, mem);
  if (why == Refusal::none) {
    if (role() == Role::leader) step_down(now, now, LossReason::higher_term, out);
    if (campaign_) abandon_campaign(now, mem, out);
    // A far follower that backs a watcher gives up the leader it followed (the watcher found it
    // frozen), and falls back on its own election should the watcher not win.
    const std::optional<std::string> given_up =
        leader_ && *leader_ != from.name && role() != Role::leader ? leader_ : std::nullopt;
    voted_term_ = b.term;
    voted_for_ = from.name;
    term_ = std::max(term_, b.term);
    const Duration bind = vote_binding(requested_length(b.campaign_ms));
    support_ = Support{from.name, from.boot, b.term, now + bind, now + bind, {}};
    // A voter names the election as it sees it: a handover, the first election this process
    // takes part in (it never knew a leader), or the loss of the leader it knew.
    const ElectionReason seen = b.designated        ? ElectionReason::handover
                                : leader_term_ == 0 ? ElectionReason::startup
                                                    : ElectionReason::leader_lost;
    election_started(now, seen, false, out);
    reply_vote(now, from, b.term, false, true, why, out);
    if (given_up) {
      excluded_ = {*given_up};
      leader_lost(now, mem, out);
    }
    return;
  }
  reply_vote(now, from, b.term, false, false, why, out);
}

void Election::handle(Time now, const Envelope& env, const VoteResp& b, const Membership& mem,
                      Outbox& out) {
  if (!campaign_) {
    // A vote that arrives after the campaign was won still shows that the voter reaches us and
    // backs us: if it is the best candidate (it was excluded, e.g. it had resigned when its
    // quorum went away, and the majority answered first), it gets the leadership by handover,
    // as in become_leader.
    const std::string& from = env.header.self.name;
    if (role() == Role::leader && !b.pre && b.granted && b.term == leader_term_ &&
        !ranks_before_candidate(now, env.header.self, mem)) {
      // (Most late voters rank after this node: only the others are worth a ranking.)
      if (handover_choice(now, mem, true) == from) schedule(now, ElectionReason::better_candidate);
    }
    return;
  }
  if (b.term != campaign_->term || b.pre != campaign_->pre) return;
  if (now >= campaign_->deadline) {
    // Answers that waited (a frozen candidate) are too old: the lease they would give has run.
    campaign_failed(now, mem, out, CampaignOutcome::timed_out);
    return;
  }
  const std::string& from = env.header.self.name;
  if (!b.granted) ++counts_.refusals[b.reason == Refusal::none ? Refusal::unknown : b.reason];
  if (b.granted) {
    campaign_->votes.grant(from, env.header.self.boot);
  } else if (b.promise_left_ms > 0 && now + ms(b.promise_left_ms) < campaign_->deadline &&
             !campaign_->reask.count(from)) {
    campaign_->reask[from] = now + ms(b.promise_left_ms);
    return;
  } else {
    campaign_->votes.refuse(from);
    const Member* held = b.leader.empty() ? nullptr : mem.find(b.leader);
    if (!b.leader.empty() && (b.leader == released_ || (held && !held->up()))) {
      // The voter still backs a leader that this node knows is gone or resigned; the voter
      // will learn it within a network delay, so ask again soon rather than after the promise.
      campaign_->retry_soon = true;
    } else {
      campaign_->promise_left_ms = std::max(campaign_->promise_left_ms, b.promise_left_ms);
    }
  }
  // The cluster may have grown since the campaign began: a win needs the quorum of now, or the
  // lease would end the moment it began.
  campaign_->votes.need_at_least(quorum());
  if (campaign_->votes.won()) {
    if (campaign_->pre) {
      count_end(CampaignOutcome::won);
      campaign(now, false, false, mem, out);
    } else {
      become_leader(now, mem, out);
    }
    return;
  }
  const std::size_t needed = campaign_->votes.needed();
  const std::size_t reachable = campaign_->votes.reachable();
  if (reachable < needed + kMinVoteMargin && !campaign_->unasked.empty()) {
    ask_more(needed + kMinVoteMargin - reachable, mem, out);  // make up the refusals
  } else if (reachable < needed) {
    campaign_failed(now, mem, out, CampaignOutcome::refused);
  }
}

// ---------------------------------------------------------------- campaigns

void Election::begin_leaderless(Time now, ElectionReason reason, const Membership& mem,
                                Outbox& out) {
  if (stopped_ || role() == Role::leader || campaign_) return;
  election_started(now, reason, false, out);
  if (!quorum_met(mem)) {
    election_finished(now, out);  // no leader: the quorum is not met; membership changes retry
    return;
  }
  if (!cfg_.candidate_node) return;  // votes when asked, never campaigns
  const std::size_t pos = rank_position(now, mem);
  rank_wait_extended_ = false;
  if (pos == 0) {
    campaign(now, !leadership_ended(), false, mem, out);
  } else {
    // Someone better should campaign; if no leader shows up, step in (bully's fallback). Ranked
    // lower than kCampaigners, it only looks again then: better candidates that are suspected
    // meanwhile no longer rank (they are not alive), and it may then be among the first.
    retry_at_ = std::min(retry_at_, now + rank_wait(pos));
  }
}

Duration Election::rank_wait(std::size_t pos) {
  return 2 * T_ * static_cast<Duration::rep>(std::min(pos, kCampaigners)) +
         Duration(rng_.between(0, T_.count() / 2));
}

std::size_t Election::rank_position(Time now, const Membership& mem, std::string* best) const {
  if (!cfg_.candidate_node || stopped_) {
    const auto order = ranking(now, mem, false, kCampaigners);
    if (best) *best = order.empty() ? std::string() : order.front();
    return order.size();
  }
  // One pass that counts the candidates ranking before this node, with no list and no sort:
  // every member of a big cluster runs this when its leader's process ends, and ranking all 449
  // others there was the largest part of a survivor's own work in that failover.
  const CandidateInfo self = self_candidate();
  const bool self_last = excluded_.count(self.name) > 0;
  CandidateInfo first = self;
  bool first_last = self_last;
  std::size_t before = 0;
  for (const auto& [name, m] : mem.members()) {
    if (!eligible(m)) continue;
    const CandidateInfo c = candidate_of(now, m);
    const bool last = !excluded_.empty() && excluded_.count(name) > 0;
    if (last == self_last ? ranks_before(*strategy_, c, self) : !last) {
      if (++before == kCampaigners && !best) return kCampaigners;
    }
    if (best && (last == first_last ? ranks_before(*strategy_, c, first) : !last)) {
      first = c;
      first_last = last;
    }
  }
  if (best) *best = first.name;
  return std::min(before, kCampaigners);
}

bool Election::leadership_ended() const {
  return !leader_ && !released_.empty() && released_term_ >= leader_term_;
}

Duration Election::max_campaign() const {
  return tm_.max_campaign;
}

Duration Election::requested_length(std::uint64_t campaign_ms) const {
  // 0 (a request that does not say) and anything shorter is the default 3T; beyond 24T, 24T.
  const auto max_ms = static_cast<std::uint64_t>(to_ms(max_campaign()));
  const Duration asked = ms(static_cast<std::int64_t>(std::min(campaign_ms, max_ms)));
  return std::max(asked, tm_.campaign);
}

Duration Election::vote_binding(Duration campaign) const {
  return tm_.vote_binding(campaign);
}

void Election::extend_rank_wait(Time now, const MemberUpdate& from, Duration campaign,
                                const Membership& mem) {
  // A better candidate is campaigning: its answers are on their way. At a few hundred voters on
  // a busy machine a campaign can outlast the 2T rank wait, and a second campaign then splits
  // the votes. Once per leaderless election, so that a better candidate that keeps failing (it
  // cannot reach a majority) delays this node's own campaign by one campaign at most.
  if (rank_wait_extended_ || retry_at_ == kNever || campaign_ || leader_ ||
      role() != Role::follower || from.name == cfg_.name ||
      ranks_before_candidate(now, from, mem)) {
    return;
  }
  rank_wait_extended_ = true;
  retry_at_ = std::max(retry_at_, now + campaign + Duration(rng_.between(0, T_.count() / 2)));
}

void Election::campaign(Time now, bool pre, bool designated, const Membership& mem, Outbox& out) {
  if (stopped_ || role() == Role::leader || !cfg_.candidate_node) return;
  if (support_active(now) && support_->name != cfg_.name) {
    retry_at_ = std::min(retry_at_, support_->until);
    return;
  }
  if (now < quiet_until_) {
    retry_at_ = std::min(retry_at_, quiet_until_);
    return;
  }
  if (unsaved_) {
    retry_at_ = std::min(retry_at_, next_save_try_ + T_);
    return;
  }
  retry_at_ = kNever;
  election_started(now, designated ? ElectionReason::handover : ElectionReason::leader_lost, true,
                   out);
  Campaign c;
  c.pre = pre;
  c.designated = designated;
  c.sent = now;
  // 3T: at a few hundred voters on a loaded machine the answers take longer than 2T to come in
  // (each voter must be scheduled), and a campaign that fails then costs a retry of T or more.
  // Longer after timeouts; voters stay bound past it (vote_binding, docs/design.md §7, claim 2).
  c.length = campaign_length_;
  c.deadline = now + c.length;
  c.votes = VoteTally(needed_votes(mem));
  if (pre) {
    c.term = std::max(term_, voted_term_) + 1;
  } else {
    term_ = std::max(term_, voted_term_) + 1;
    voted_term_ = term_;
    voted_for_ = cfg_.name;
    c.term = term_;
  }
  // Candidates that rank before this node are asked first: one that is alive after all (a
  // leader that was frozen and runs again) answers, and its late vote hands it the leadership
  // (handle(VoteResp)).
  std::vector<std::string> better;
  for (const auto& [name, m] : mem.members()) {
    if (!m.up() || m.meta().settings_hash != settings_hash_) continue;
    const bool worse = !m.meta().candidate || ranks_before_candidate(now, m.record(), mem);
    (worse ? c.unasked : better).push_back(name);
  }
  const std::size_t voters_in_view = c.unasked.size() + better.size();
  // A majority and a margin first, the others in random order, and the rest when answers fall
  // short or after T: each voter asked is a process woken, and when a leader of hundreds dies
  // they all compete for the same cores. A small cluster asks everyone at once.
  const std::size_t others_needed = c.votes.needed() - 1;
  const std::size_t first_wave =
      others_needed + std::max(kMinVoteMargin, others_needed / kVoteMarginDivisor);
  if (first_wave < voters_in_view) {
    for (std::size_t i = c.unasked.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(rng_.between(0, static_cast<std::int64_t>(i - 1)));
      std::swap(c.unasked[i - 1], c.unasked[j]);
    }
    c.ask_rest_at = now + T_;
  }
  c.unasked.insert(c.unasked.begin(), better.begin(), better.end());
  std::reverse(c.unasked.begin(), c.unasked.end());  // asked from the back
  campaign_ = std::move(c);
  ask_more(first_wave, mem, out);
  if (voters_in_view + 1 < campaign_->votes.needed()) {
    campaign_failed(now, mem, out, CampaignOutcome::refused);  // too few voters in view to ever win
    return;
  }
  if (campaign_->votes.won()) {
    if (pre) {
      count_end(CampaignOutcome::won);
      campaign(now, false, designated, mem, out);
    } else {
      become_leader(now, mem, out);
    }
  }
}

void Election::ask_more(std::size_t count, const Membership& mem, Outbox& out) {
  Campaign& c = *campaign_;
  for (; count > 0 && !c.unasked.empty(); c.unasked.pop_back()) {
    const std::string& name = c.unasked.back();
    const Member* m = mem.find(name);
    if (!m || !m->up()) continue;
    c.votes.asked();
    --count;
    ask(name, *m, out);
  }
  if (c.unasked.empty()) c.ask_rest_at = kNever;
}

void Election::ask(const std::string& name, const Member& m, Outbox& out) const {
  const auto length = static_cast<std::uint64_t>(to_ms(campaign_->length));
  if (campaign_->pre) {
    out.send(name, m.addr(), PreVoteReq{campaign_->term, length});
  } else {
    out.send(name, m.addr(), VoteReq{campaign_->term, campaign_->designated, length});
  }
}

void Election::count_end(CampaignOutcome outcome) {
  if (campaign_)
    ++counts_.ended[campaign_->pre ? CampaignRound::pre : CampaignRound::vote][outcome];
}

void Election::abandon_campaign(Time now, const Membership& mem, Outbox& out,
                                CampaignOutcome outcome) {
  if (!campaign_) return;
  count_end(outcome);
  if (!campaign_->pre) {
    // Release the voters at once so that they may support whoever does lead.
    for (const auto& [name, boot] : campaign_->votes.granted()) {
      if (const Member* m = mem.find(name))
        out.send(name, m->addr(), Resign{campaign_->term, "", false}, Route::datagram);
    }
  }
  campaign_.reset();
  (void)now;
}

void Election::campaign_failed(Time now, const Membership& mem, Outbox& out,
                               CampaignOutcome outcome) {
  const std::int64_t wait_ms = campaign_ ? campaign_->promise_left_ms : 0;
  const bool soon = campaign_ && campaign_->retry_soon && wait_ms == 0;
  if (campaign_ && outcome == CampaignOutcome::timed_out) {
    campaign_length_ = std::min(campaign_length_ * 2, max_campaign());
  }
  abandon_campaign(now, mem, out, outcome);
  const Duration jitter = Duration(rng_.between(0, T_.count()));
  if (soon) {
    retry_at_ = now + T_ / 20 + jitter / 20;
  } else {
    retry_at_ = wait_ms > 0 ? now + ms(wait_ms) + jitter / 4 : now + T_ + jitter;
  }
}

void Election::become_leader(Time now, const Membership& mem, Outbox& out) {
  // Won while a better candidate is up (it was slow to campaign, or it was excluded from this
  // election as the leader just lost): let it lead after election_delay, by handover. An
  // excluded one only if it voted for us (it may be up only in our view otherwise: a leader
  // cut off from us); none that failed to take over lately (handover_backoff_).
  count_end(CampaignOutcome::won);
  const Campaign c = *campaign_;
  const std::string best = handover_choice(now, mem, true);
  const bool better_up =
      !best.empty() && best != cfg_.name && (!excluded_.count(best) || c.votes.granted_by(best));
  campaign_.reset();
  support_.reset();
  // A voter is bound for vote_binding from its receipt; counted like a heartbeat acknowledgement
  // (lease_ from the send), stretched as the binding is (Timing::vote_lease).
  const Duration shift = tm_.vote_lease(c.length) - lease_;
  leading_ = Leadership::won(now, c.sent + shift, c.votes);
  excluded_.clear();
  awaiting_successor_.clear();
  retry_at_ = kNever;
  cleared_ = false;
  recompute_lease(now, mem);
  out.events.emplace_back(LeadershipAcquired{c.term});
  set_leader(cfg_.name, c.term, out);
  election_finished(now, out);
  send_heartbeats(now, mem, out, true);  // every member learns the new leader at once
  if (better_up) schedule(now, ElectionReason::better_candidate);
}

bool Election::ranks_before_candidate(Time now, const MemberUpdate& from,
                                      const Membership& mem) const {
  if (!cfg_.candidate_node || stopped_) return false;
  const Member* m = mem.find(from.name);
  const CandidateInfo me = self_candidate();
  const CandidateInfo them{from.name, from.meta.priority, m ? m->started.value_or(now) : now,
                           m ? m->runtime_ms : 0};
  return ranks_before(*strategy_, me, them);
}

}  // namespace elector::core
