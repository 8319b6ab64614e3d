// Election: construction, helpers, inputs, commands and time (election.hpp says the rules).
#include "core/election.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/election_internal.hpp"

namespace elector::core {

using namespace election_internal;

namespace {
/// Until when a starting node keeps quiet: a first start owes nothing; a node that kept its
/// state honours the promises it saved; one that lost it keeps the longest binding.
Time quiet_end(const Past& past, const Timing& tm, Time now) {
  switch (past.recall) {
    case Recall::first_start:
      return now;
    case Recall::kept:
      return std::max(now, past.state.bound_until);
    case Recall::lost:
      break;
  }
  return now + tm.quiet_after_loss();
}
}  // namespace

Election::Election(const Config& cfg, std::shared_ptr<const Strategy> strategy,
                   std::uint64_t settings_hash, const Past& past, Time now, Rng& rng)
    : cfg_(cfg),
      strategy_(std::move(strategy)),
      settings_hash_(settings_hash),
      started_(now),
      quiet_until_(quiet_end(past, Timing(cfg.heartbeat_interval), now)),
      rng_(rng),
      tm_(cfg.heartbeat_interval),
      T_(tm_.T),
      promise_(tm_.promise),
      lease_(tm_.lease),
      far_(far_heartbeat_interval(cfg)),
      term_(past.state.term),
      voted_term_(past.state.term),
      campaign_length_(tm_.campaign),
      // A failed handover costs the successor wait and an election; the first pause is four
      // times that and the election_delay before it, the longest 64 times the first (6 minutes
      // at the defaults).
      handover_backoff_(4 * (cfg.election_delay + tm_.successor_wait), 64),
      known_(static_cast<std::size_t>(std::max(cfg.cluster_size, 0)), past.state.cluster_size) {
  // What the previous process saved is on disk. A node that lost its bindings saves its quiet
  // period before anything else: should it crash again during it, the next process keeps it too.
  saved_ = past.state;
  if (past.recall != Recall::kept) saved_.bound_until = Time{};
}

// ---------------------------------------------------------------- helpers

bool Election::support_active(Time now) const {
  return support_ && now < support_->until;
}

bool Election::bound(Time now) const {
  return support_ && now < support_->bound_until;
}

std::size_t Election::voters(const Membership& mem) const {
  std::size_t n = 1;  // self
  for (const auto& [name, m] : mem.members()) {
    if (m.up() && m.meta().settings_hash == settings_hash_) ++n;
  }
  return n;
}

std::size_t Election::needed_votes(const Membership& mem) const {
  return std::max(quorum(), majority_of(voters(mem)));
}

bool Election::quorum_met(const Membership& mem) const {
  return mem.up_count() + 1 >= quorum();
}

void Election::count_member(const std::string& name, const Membership& mem, Outbox& out) {
  const Member* m = mem.find(name);
  if (!m || m->meta().settings_hash != settings_hash_) return;
  known_.add(name);
  report_availability(out);
}

void Election::report_availability(Outbox& out) {
  // Loud once per crossing: an explicit quorum that half the cluster can meet on each side of a
  // partition. The default (a majority) never crosses.
  const bool now_in = availability_mode();
  if (now_in && !availability_reported_)
    out.events.emplace_back(AvailabilityMode{quorum(), cluster_size()});
  availability_reported_ = now_in;
}

std::vector<std::string> Election::ranking(Time now, const Membership& mem, bool all,
                                           std::size_t limit) const {
  std::vector<CandidateInfo> cands;
  std::vector<bool> last;  // excluded: ranked after every other candidate
  auto add = [&](CandidateInfo c) {
    last.push_back(!all && excluded_.count(c.name) > 0);
    cands.push_back(std::move(c));
  };
  if (cfg_.candidate_node && !stopped_) add(self_candidate());
  for (const auto& [name, m] : mem.members()) {
    if (eligible(m)) add(candidate_of(now, m));
  }
  // Positions are sorted, not the records, and only as far as asked: a leader choosing its
  // watchers each heartbeat round, or a node finding its own turn, needs the first few of
  // hundreds.
  std::vector<std::uint32_t> order(cands.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto by_rank = [&](std::uint32_t a, std::uint32_t b) {
    if (last[a] != last[b]) return !last[a];
    return ranks_before(*strategy_, cands[a], cands[b]);
  };
  const std::size_t n = std::min(limit, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    by_rank);
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::move(cands[order[i]].name));
  return out;
}

bool Election::eligible(const Member& m) const {
  return m.status == MemberStatus::alive && m.meta().candidate &&
         m.meta().settings_hash == settings_hash_;
}

CandidateInfo Election::candidate_of(Time now, const Member& m) {
  return CandidateInfo{m.name(), m.meta().priority, m.started.value_or(now), m.runtime_ms};
}

CandidateInfo Election::self_candidate() const {
  return CandidateInfo{cfg_.name, cfg_.priority, started_, runtime_ms_};
}

std::string Election::handover_choice(Time now, const Membership& mem, bool all) const {
  // Those passed over can only fill the first places before the one sought.
  for (auto& name : ranking(now, mem, all, 1 + handover_backoff_.size())) {
    if (name == cfg_.name || !handover_backoff_.passed_over(now, name)) return name;
  }
  return {};
}

void Election::broadcast(const Membership& mem, const Body& b, Outbox& out,
                         const std::vector<std::string>& watchers) const {
  for (const auto& [name, m] : mem.members()) {
    if (m.up())
      out.send(name, m.addr(), b, watched(watchers, name) ? Route::stream : Route::datagram);
  }
}

void Election::set_leader(const std::optional<std::string>& leader, std::uint64_t term,
                          Outbox& out) {
  if (leader == leader_ && (term == leader_term_ || !leader)) return;
  if (leader) campaign_length_ = tm_.campaign;  // an election succeeded
  leader_ = leader;
  if (leader) leader_term_ = term;
  out.events.emplace_back(LeaderChanged{leader_, leader_term_});
}

void Election::election_started(Time now, ElectionReason reason, bool initiator, Outbox& out) {
  const bool hooks_here = cfg_.hooks_execution == HooksExecution::global || initiator;
  if (!ongoing_) {
    ongoing_ = Ongoing{next_election_id_++, now, initiator, role() == Role::leader};
    out.events.emplace_back(ElectionStarted{ongoing_->id, reason, initiator});
    if (hooks_here) {
      out.hooks.push_back(
          HookRequest{HookRequest::Phase::pre, ongoing_->id, leader_, term_, ongoing_->led});
    }
  } else if (initiator && !ongoing_->initiator) {
    ongoing_->initiator = true;
    // A start not handed out yet (opened by this very step: a first-ranked node that lost its
    // leader, a named successor) is reported as run by this node, as it is.
    for (auto& e : out.events) {
      auto* s = std::get_if<ElectionStarted>(&e);
      if (s && s->election == ongoing_->id) s->initiator = true;
    }
    if (cfg_.hooks_execution == HooksExecution::local) {
      out.hooks.push_back(
          HookRequest{HookRequest::Phase::pre, ongoing_->id, leader_, term_, ongoing_->led});
    }
  }
}

void Election::election_finished(Time now, Outbox& out) {
  if (!ongoing_) return;
  out.events.emplace_back(ElectionFinished{ongoing_->id, leader_, leader_term_,
                                           now - ongoing_->started, ongoing_->initiator});
  const bool hooks_here = cfg_.hooks_execution == HooksExecution::global || ongoing_->initiator;
  if (hooks_here) {
    out.hooks.push_back(HookRequest{HookRequest::Phase::post, ongoing_->id, leader_, leader_term_,
                                    leader_ && *leader_ == cfg_.name});
  }
  ongoing_.reset();
}

void Election::schedule(Time now, ElectionReason reason) {
  if (stopped_ || !cfg_.automatic_elections) return;
  if (election_due_ == kNever) {
    election_due_ = now + cfg_.election_delay;
    due_reason_ = reason;
  }
}

void Election::fill(PushPull& p) const {
  if (leader_) {
    p.leader = *leader_;
    p.term = leader_term_;
  }
}

// ---------------------------------------------------------------- inputs

void Election::start(Time now, Outbox& out) {
  report_availability(out);
  schedule(now, ElectionReason::startup);
}

void Election::on_envelope(Time now, const Envelope& env, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, PreVoteReq> || std::is_same_v<B, VoteReq> ||
                      std::is_same_v<B, VoteResp> || std::is_same_v<B, Heartbeat> ||
                      std::is_same_v<B, HeartbeatResp> || std::is_same_v<B, Resign> ||
                      std::is_same_v<B, ElectForward>) {
          handle(now, env, b, mem, out);
        }
      },
      env.body);
}

// ---------------------------------------------------------------- commands and time

ElectOutcome Election::elect(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return ElectOutcome::stopped;
  if (!quorum_met(mem)) return ElectOutcome::quorum_not_met;
  cleared_ = false;
  if (role() == Role::leader) {
    reevaluate(now, ElectionReason::requested, mem, out);
  } else if (leader_) {
    if (const Member* m = mem.find(*leader_)) out.send(*leader_, m->addr(), ElectForward{false});
  } else {
    excluded_.clear();
    broadcast(mem, ElectForward{false}, out);
    begin_leaderless(now, ElectionReason::requested, mem, out);
  }
  return ElectOutcome::started;
}

void Election::clear_leader(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (role() == Role::leader) {
    election_started(now, ElectionReason::cleared, true, out);
    resign(now, now, LossReason::cleared, "", true, mem, out);
    election_finished(now, out);
  } else if (leader_) {
    if (const Member* m = mem.find(*leader_)) out.send(*leader_, m->addr(), ElectForward{true});
    return;
  }
  stay_cleared(now, mem, out);
}

void Election::stay_cleared(Time now, const Membership& mem, Outbox& out) {
  // No automatic election follows a clear, not even one that was already due (the startup
  // election of a node that started a little after the one that won).
  cleared_ = true;
  abandon_campaign(now, mem, out);
  retry_at_ = kNever;
  election_due_ = kNever;
  join_wait_ = false;
}

void Election::stop(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (role() == Role::leader) {
    stopped_ = true;  // ranks itself out
    const std::string successor = handover_choice(now, mem, false);
    stopped_ = false;
    resign(now, now, LossReason::stopped, successor, false, mem, out);
  } else {
    abandon_campaign(now, mem, out);
  }
  stopped_ = true;
}

void Election::tick(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (leading_) {
    recompute_lease(now, mem);
    if (const Time end = leading_->lease_end(); now >= end) {
      // The lease ran out before it was renewed (frozen, slow, or cut off from the quorum).
      resign(now, end, LossReason::lease_expired, "", false, mem, out);
      excluded_ = {cfg_.name};
      if (cfg_.automatic_elections) begin_leaderless(now, ElectionReason::leader_lost, mem, out);
    } else if (now >= leading_->next_heartbeat()) {
      send_heartbeats(now, mem, out);
    }
  }
  if (support_ && now >= support_->until) {
    const bool was_leader = leader_ && *leader_ == support_->name && role() != Role::leader;
    const std::string lost = support_->name;
    support_.reset();
    if (follow_deferred(now, mem, out)) {
      // Followed the newer leadership it had refused while its promise lasted.
    } else if (was_leader) {
      excluded_ = {lost};
      leader_lost(now, mem, out);
    }
  }
  if (campaign_ && now >= campaign_->deadline)
    campaign_failed(now, mem, out, CampaignOutcome::timed_out);
  if (campaign_ && now >= campaign_->ask_rest_at) ask_more(campaign_->unasked.size(), mem, out);
  if (campaign_) {
    for (auto it = campaign_->reask.begin(); it != campaign_->reask.end(); ++it) {
      if (it->second > now || it->second == kNever) continue;
      it->second = kNever;  // asked again once; a second refusal counts
      const Member* m = mem.find(it->first);
      if (m && m->up()) ask(it->first, *m, out);
    }
  }
  if (!awaiting_successor_.empty() && now >= successor_deadline_) {
    excluded_.insert(awaiting_successor_);
    handover_backoff_.failed(now, awaiting_successor_);
    awaiting_successor_.clear();
    if (!leader_ && cfg_.automatic_elections)
      begin_leaderless(now, ElectionReason::handover_failed, mem, out);
  }
  if (now >= retry_at_) {
    retry_at_ = kNever;
    if (!leader_ && role() == Role::follower && !cleared_ && quorum_met(mem)) {
      // Members that joined since may rank before this node now (a big cluster's start).
      std::string best;
      const std::size_t pos = rank_position(now, mem, &best);
      if (pos < kCampaigners) {
        campaign(now, !leadership_ended(), false, mem, out);
      } else {
        retry_at_ = now + rank_wait(pos);
        // The best candidate may lead without knowing of this node: in a big cluster's first
        // seconds gossip has not yet introduced every member to every other, and a leader
        // heartbeats only the members it knows. Any message makes the sender known (and a leader
        // heartbeats a member it learns of at once, on_member_up); without it this node would
        // stay leaderless until gossip got round to it (about 14 s at 450 members).
        if (const Member* m = best.empty() ? nullptr : mem.find(best)) {
          out.send(m->name(), m->addr(), Gossip{});
        }
      }
    }
  }
  if (role() == Role::leader && now >= handover_backoff_.next_end()) {
    // A member passed over since a handover to it failed may take over now if it ranks first.
    (void)handover_backoff_.take_ended(now);
    const std::string best = handover_choice(now, mem, false);
    if (!best.empty() && best != cfg_.name) schedule(now, ElectionReason::better_candidate);
  }
  if (now >= election_due_) {
    election_due_ = kNever;
    join_wait_ = false;
    if (role() == Role::leader) {
      reevaluate(now, due_reason_, mem, out);
    } else if (!leader_ && !campaign_ && awaiting_successor_.empty()) {
      const Time join_wait_end = started_ + cfg_.election_delay + cfg_.membership.join_retry_max;
      if (!mem.joined() && now < join_wait_end) {
        // Given seeds, it has heard from no member yet: alone it would elect itself (q = 1) and
        // then disrupt the cluster it joins, as the late starters of a thousand processes on
        // one busy machine did. It waits for the join, or for its seeds to have been tried
        // through one whole retry backoff (they may all be down).
        election_due_ = std::min(join_wait_end, now + T_);
        join_wait_ = true;
      } else {
        cleared_ = false;
        begin_leaderless(now, due_reason_, mem, out);
      }
    }
  }
}

Time Election::next_wakeup() const {
  if (stopped_) return kNever;
  Time t = std::min(retry_at_, election_due_);
  if (leading_) {
    t = std::min(
        {t, leading_->next_heartbeat(), leading_->lease_end(), handover_backoff_.next_end()});
  }
  if (support_) t = std::min(t, support_->until);
  if (campaign_) {
    t = std::min({t, campaign_->deadline, campaign_->ask_rest_at});
    for (const auto& [name, at] : campaign_->reask) t = std::min(t, at);
  }
  if (!awaiting_successor_.empty()) t = std::min(t, successor_deadline_);
  return std::min(t, next_save_try_);
}

}  // namespace elector::core
