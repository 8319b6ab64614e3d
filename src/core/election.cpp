#include "core/election.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace elector {

namespace {
// How many of the best-ranked candidates in a node's view campaign on their own when there is no
// leader (the first at once, the others after 2T per rank). One ranked lower waits for a leader,
// or for enough better ones to go down: hundreds campaigning together split the votes and load a
// shared machine until no one wins (docs/design.md §4, "who campaigns").
constexpr std::size_t kCampaigners = 8;
/// A campaign's deadline after it sends its requests, in heartbeat intervals...
constexpr int kCampaignLength = 3;
/// ...doubled after each campaign that timed out, up to this: on a machine too loaded to answer
/// hundreds of requests within 3T every campaign timed out, and its retries only added load
/// (docs/design.md §4, "campaign length").
constexpr int kMaxCampaignLength = 24;
/// A campaign first asks the votes it needs plus a margin: an eighth more, at least this many.
constexpr std::size_t kMinVoteMargin = 4;
constexpr std::size_t kVoteMarginDivisor = 8;

bool named(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
}  // namespace

const char* to_string(Role r) {
  switch (r) {
    case Role::follower:
      return "follower";
    case Role::pre_candidate:
      return "pre_candidate";
    case Role::candidate:
      return "candidate";
    case Role::leader:
      return "leader";
  }
  return "?";
}

Election::Election(const Config& cfg, std::shared_ptr<const Strategy> strategy,
                   std::uint64_t settings_hash, std::uint64_t term, Time now, Rng& rng)
    : cfg_(cfg),
      strategy_(std::move(strategy)),
      settings_hash_(settings_hash),
      started_(now),
      quiet_until_(now + 4 * cfg.heartbeat_interval),
      rng_(rng),
      T_(cfg.heartbeat_interval),
      promise_(4 * cfg.heartbeat_interval),
      // 3.5T: leaves half a heartbeat interval for clock-rate differences between machines
      // (far more than the 200 ppm drift bound documented in docs/design.md).
      lease_(7 * cfg.heartbeat_interval / 2),
      far_(far_heartbeat_interval(cfg)),
      term_(term),
      voted_term_(term),
      campaign_length_(kCampaignLength * cfg.heartbeat_interval) {}

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
  const std::size_t majority = voters(mem) / 2 + 1;
  return std::max(static_cast<std::size_t>(std::max(cfg_.quorum_size, 1)), majority);
}

bool Election::quorum_met(const Membership& mem) const {
  return mem.up_count() + 1 >= static_cast<std::size_t>(std::max(cfg_.quorum_size, 1));
}

std::vector<std::string> Election::ranking(Time now, const Membership& mem, bool all,
                                           std::size_t limit) const {
  std::vector<CandidateInfo> cands;
  std::vector<bool> last;  // excluded: ranked after every other candidate
  auto add = [&](CandidateInfo c) {
    last.push_back(!all && excluded_.count(c.name) > 0);
    cands.push_back(std::move(c));
  };
  if (cfg_.candidate_node && !stopped_) {
    add(CandidateInfo{cfg_.name, cfg_.priority, started_, runtime_ms_});
  }
  for (const auto& [name, m] : mem.members()) {
    if (m.status != MemberStatus::alive || !m.meta().candidate) continue;
    if (m.meta().settings_hash != settings_hash_) continue;
    add(CandidateInfo{name, m.meta().priority, m.started.value_or(now), m.runtime_ms});
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

void Election::broadcast(const Membership& mem, const Body& b, Outbox& out) const {
  for (const auto& [name, m] : mem.members()) {
    if (m.up()) out.send(name, m.addr(), b);
  }
}

void Election::set_leader(const std::optional<std::string>& leader, std::uint64_t term,
                          Outbox& out) {
  if (leader == leader_ && (term == leader_term_ || !leader)) return;
  if (leader) campaign_length_ = kCampaignLength * T_;  // an election succeeded
  leader_ = leader;
  if (leader) leader_term_ = term;
  out.events.emplace_back(LeaderChanged{leader_, leader_term_});
}

void Election::election_started(Time now, const std::string& reason, bool initiator, Outbox& out) {
  const bool hooks_here = cfg_.hooks_execution == HooksExecution::global || initiator;
  if (!ongoing_) {
    ongoing_ = Ongoing{next_election_id_++, now, initiator};
    out.events.emplace_back(ElectionStarted{ongoing_->id, reason, initiator});
    if (hooks_here) {
      out.hooks.push_back(
          HookRequest{HookRequest::Phase::pre, ongoing_->id, leader_, term_, false});
    }
  } else if (initiator && !ongoing_->initiator) {
    ongoing_->initiator = true;
    if (cfg_.hooks_execution == HooksExecution::local) {
      out.hooks.push_back(
          HookRequest{HookRequest::Phase::pre, ongoing_->id, leader_, term_, false});
    }
  }
}

void Election::election_finished(Time now, Outbox& out) {
  if (!ongoing_) return;
  out.events.emplace_back(
      ElectionFinished{ongoing_->id, leader_, leader_term_, now - ongoing_->started});
  const bool hooks_here = cfg_.hooks_execution == HooksExecution::global || ongoing_->initiator;
  if (hooks_here) {
    out.hooks.push_back(HookRequest{HookRequest::Phase::post, ongoing_->id, leader_, leader_term_,
                                    leader_ && *leader_ == cfg_.name});
  }
  ongoing_.reset();
}

void Election::schedule(Time now, const std::string& reason) {
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

void Election::start(Time now, Outbox&) {
  schedule(now, "startup");
}

void Election::on_member_up(Time now, const std::string& name, const Membership& mem, Outbox& out) {
  handover_failed_.erase(name);
  if (role_ == Role::leader && !watchers_.empty()) {
    // A joiner is a far member: without this it would wait up to a far interval to learn the
    // leader, and might campaign meanwhile.
    if (const Member* m = mem.find(name)) {
      out.send(name, m->addr(), heartbeat(hb_seq_, far_interval(mem)));
    }
  }
  schedule(now, "member_joined");
}

void Election::on_member_down(Time now, const std::string& name, const std::string& reason,
                              const Membership& mem, Outbox& out) {
  if (stopped_) return;
  handover_failed_.erase(name);
  // A process that is gone, left or restarted cannot hold a lease: its supporters are free. A
  // member merely declared failed by gossip keeps its promise until it runs out.
  const bool gone = reason == "process_gone" || reason == "left" || reason == "restarted";
  if (gone && leader_ && *leader_ == name) {
    released_ = name;
    released_term_ = leader_term_;
  }
  if (gone && support_ && support_->name == name) {
    const bool was_leader = leader_ && *leader_ == name;
    support_.reset();
    if (follow_deferred(now, mem, out)) return;
    if (was_leader && role_ != Role::leader) {
      excluded_ = {name};
      leader_lost(now, "leader_lost", mem, out);
      return;
    }
  }
  if (campaign_) campaign_->refused.insert(name);
  schedule(now, reason == "left" ? "member_left" : "member_failed");
}

void Election::on_peer_gone(Time now, const std::string& name, std::uint64_t boot,
                            const Membership& mem, Outbox& out) {
  if (stopped_ || !support_ || support_->name != name) return;
  if (boot != 0 && support_->boot != boot) return;
  const bool was_leader = leader_ && *leader_ == name && role_ != Role::leader;
  released_term_ = support_->term;
  support_.reset();
  released_ = name;
  if (follow_deferred(now, mem, out)) return;
  if (was_leader) {
    excluded_ = {name};
    leader_lost(now, "leader_lost", mem, out);
  }
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

// ---------------------------------------------------------------- votes

std::string Election::refusal(Time now, const MemberUpdate& from, std::uint64_t term, bool pre,
                              const Membership& mem) const {
  if (from.meta.settings_hash != settings_hash_) return "settings_mismatch";
  if (!from.meta.candidate) return "not_candidate";
  // Only a member that is up, in the process this node knows, is voted for: a request from one
  // that left, failed or restarted since is old news (delayed, or replayed by its owner, who
  // still has the secret).
  const Member* m = mem.find(from.name);
  if (!m || !m->up() || m->boot() != from.boot) return "not_member";
  if (now < quiet_until_) return "restarting";
  if (campaign_ && ranks_before_candidate(now, from, mem)) {
    // Both campaign (e.g. the better one was still in its quiet period when the other's
    // fallback timer ran out): voting for the worse one would elect it only to hand over.
    return "better_candidate";
  }
  if (role_ == Role::leader && now < lease_end_) return "leader";
  // A far follower is not counted on by its leader, so it may back one of the leader's watchers:
  // a watcher campaigns only when it has missed the leader for 4T (a frozen leader), and far
  // followers must not stall that failover for their longer timeout. Anyone else is refused
  // while the leader seems alive, so a rejoining or cut-off node cannot disrupt it.
  if (support_active(now) && support_->name != from.name &&
      (bound(now) || !named(support_->watchers, from.name))) {
    return "promised";
  }
  // A term has one leader: a campaign for the term of the leadership this node follows began
  // before its candidate heard of that leader, cannot win, and backing it would give the leader
  // up (a joiner of a big cluster met the first leader's heartbeat and the runner-up's request).
  if (leader_ && *leader_ != from.name && term <= leader_term_) return "leader_of_term";
  if (term < voted_term_ || (term == voted_term_ && voted_for_ != from.name)) {
    return "already_voted";
  }
  if (!pre && term < term_) return "stale_term";
  return "";
}

void Election::reply_vote(Time now, const MemberUpdate& to, std::uint64_t term, bool pre,
                          bool granted, const std::string& reason, Outbox& out) const {
  VoteResp r;
  r.term = term;
  r.pre = pre;
  r.granted = granted;
  r.reason = reason;
  if (!granted) {
    if (role_ == Role::leader && now < lease_end_) {
      r.promise_left_ms = to_ms(lease_end_ - now) + 1;
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
  const std::string why = refusal(now, env.header.self, b.term, true, mem);
  reply_vote(now, env.header.self, b.term, true, why.empty(), why, out);
}

void Election::handle(Time now, const Envelope& env, const VoteReq& b, const Membership& mem,
                      Outbox& out) {
  const MemberUpdate& from = env.header.self;
  extend_rank_wait(now, from, requested_length(b.campaign_ms), mem);
  const std::string why = refusal(now, from, b.term, false, mem);
  if (why.empty()) {
    if (role_ == Role::leader) step_down(now, now, "higher_term", out);
    if (campaign_) abandon_campaign(now, mem, out);
    // A far follower that backs a watcher gives up the leader it followed (the watcher found it
    // frozen), and falls back on its own election should the watcher not win.
    const std::optional<std::string> given_up =
        leader_ && *leader_ != from.name && role_ != Role::leader ? leader_ : std::nullopt;
    voted_term_ = b.term;
    voted_for_ = from.name;
    term_ = std::max(term_, b.term);
    const Duration bind = vote_binding(requested_length(b.campaign_ms));
    support_ = Support{from.name, from.boot, b.term, now + bind, now + bind, {}};
    election_started(now, b.designated ? "handover" : "leader_lost", false, out);
    reply_vote(now, from, b.term, false, true, why, out);
    if (given_up) {
      excluded_ = {*given_up};
      leader_lost(now, "leader_lost", mem, out);
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
    if (role_ == Role::leader && !b.pre && b.granted && b.term == leader_term_ &&
        !ranks_before_candidate(now, env.header.self, mem)) {
      // (Most late voters rank after this node: only the others are worth a ranking.)
      const auto order = ranking(now, mem, true, 1);
      if (!order.empty() && order.front() == from && !handover_failed_.count(from)) {
        schedule(now, "better_candidate");
      }
    }
    return;
  }
  if (b.term != campaign_->term || b.pre != campaign_->pre) return;
  if (now >= campaign_->deadline) {
    // Answers that waited (a frozen candidate) are too old: the lease they would give has run.
    campaign_failed(now, mem, out, "timed_out");
    return;
  }
  const std::string& from = env.header.self.name;
  if (!b.granted) ++counts_.refusals[b.reason.empty() ? "unknown" : b.reason];
  if (b.granted) {
    campaign_->granted.insert(from);
  } else if (b.promise_left_ms > 0 && now + ms(b.promise_left_ms) < campaign_->deadline &&
             !campaign_->reask.count(from)) {
    campaign_->reask[from] = now + ms(b.promise_left_ms);
    return;
  } else {
    campaign_->refused.insert(from);
    const Member* held = b.leader.empty() ? nullptr : mem.find(b.leader);
    if (!b.leader.empty() && (b.leader == released_ || (held && !held->up()))) {
      // The voter still backs a leader that this node knows is gone or resigned; the voter
      // will learn it within a network delay, so ask again soon rather than after the promise.
      campaign_->retry_soon = true;
    } else {
      campaign_->promise_left_ms = std::max(campaign_->promise_left_ms, b.promise_left_ms);
    }
  }
  if (campaign_->granted.size() + 1 >= campaign_->needed) {
    if (campaign_->pre) {
      count_end("won");
      campaign(now, false, false, mem, out);
    } else {
      become_leader(now, mem, out);
    }
    return;
  }
  const std::size_t answered = campaign_->granted.size() + campaign_->refused.size();
  const std::size_t open = campaign_->asked > answered ? campaign_->asked - answered : 0;
  const std::size_t reachable = campaign_->granted.size() + 1 + open;
  if (reachable < campaign_->needed + kMinVoteMargin && !campaign_->unasked.empty()) {
    ask_more(campaign_->needed + kMinVoteMargin - reachable, mem, out);  // make up the refusals
  } else if (reachable < campaign_->needed) {
    campaign_failed(now, mem, out, "refused");
  }
}

// ---------------------------------------------------------------- campaigns

void Election::begin_leaderless(Time now, const std::string& reason, const Membership& mem,
                                Outbox& out) {
  if (stopped_ || role_ == Role::leader || campaign_) return;
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

std::size_t Election::rank_position(Time now, const Membership& mem) const {
  const auto order = ranking(now, mem, false, kCampaigners);
  return static_cast<std::size_t>(std::find(order.begin(), order.end(), cfg_.name) - order.begin());
}

bool Election::leadership_ended() const {
  return !leader_ && !released_.empty() && released_term_ >= leader_term_;
}

Duration Election::max_campaign() const {
  return kMaxCampaignLength * T_;
}

Duration Election::requested_length(std::uint64_t campaign_ms) const {
  // 0 (a request that does not say) and anything shorter is the default 3T; beyond 24T, 24T.
  const auto max_ms = static_cast<std::uint64_t>(to_ms(max_campaign()));
  const Duration asked = ms(static_cast<std::int64_t>(std::min(campaign_ms, max_ms)));
  return std::max(asked, kCampaignLength * T_);
}

Duration Election::vote_binding(Duration campaign) const {
  // Bound for a heartbeat interval past the candidate's deadline, and never less than the
  // promise: the candidate stops counting votes before any voter can back someone else.
  return std::max(promise_, campaign + T_);
}

void Election::extend_rank_wait(Time now, const MemberUpdate& from, Duration campaign,
                                const Membership& mem) {
  // A better candidate is campaigning: its answers are on their way. At a few hundred voters on
  // a busy machine a campaign can outlast the 2T rank wait, and a second campaign then splits
  // the votes. Once per leaderless election, so that a better candidate that keeps failing (it
  // cannot reach a majority) delays this node's own campaign by one campaign at most.
  if (rank_wait_extended_ || retry_at_ == kNever || campaign_ || leader_ ||
      role_ != Role::follower || from.name == cfg_.name || ranks_before_candidate(now, from, mem)) {
    return;
  }
  rank_wait_extended_ = true;
  retry_at_ = std::max(retry_at_, now + campaign + Duration(rng_.between(0, T_.count() / 2)));
}

void Election::campaign(Time now, bool pre, bool designated, const Membership& mem, Outbox& out) {
  if (stopped_ || role_ == Role::leader || !cfg_.candidate_node) return;
  if (support_active(now) && support_->name != cfg_.name) {
    retry_at_ = std::min(retry_at_, support_->until);
    return;
  }
  if (now < quiet_until_) {
    retry_at_ = std::min(retry_at_, quiet_until_);
    return;
  }
  retry_at_ = kNever;
  election_started(now, designated ? "handover" : "leader_lost", true, out);
  Campaign c;
  c.pre = pre;
  c.designated = designated;
  c.sent = now;
  // 3T: at a few hundred voters on a loaded machine the answers take longer than 2T to come in
  // (each voter must be scheduled), and a campaign that fails then costs a retry of T or more.
  // Longer after timeouts; voters stay bound past it (vote_binding, docs/design.md §7, claim 2).
  c.length = campaign_length_;
  c.deadline = now + c.length;
  c.needed = needed_votes(mem);
  if (pre) {
    c.term = std::max(term_, voted_term_) + 1;
    role_ = Role::pre_candidate;
  } else {
    term_ = std::max(term_, voted_term_) + 1;
    voted_term_ = term_;
    voted_for_ = cfg_.name;
    c.term = term_;
    role_ = Role::candidate;
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
  const std::size_t first_wave =
      c.needed - 1 + std::max(kMinVoteMargin, (c.needed - 1) / kVoteMarginDivisor);
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
  if (voters_in_view + 1 < campaign_->needed) {
    campaign_failed(now, mem, out, "refused");  // too few voters in view to ever win
    return;
  }
  if (campaign_->needed <= 1) {
    if (pre) {
      count_end("won");
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
    ++c.asked;
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

void Election::count_end(const char* outcome) {
  if (campaign_) ++counts_.ended[campaign_->pre ? "pre" : "vote"][outcome];
}

void Election::abandon_campaign(Time now, const Membership& mem, Outbox& out, const char* outcome) {
  if (!campaign_) return;
  count_end(outcome);
  if (!campaign_->pre) {
    // Release the voters at once so that they may support whoever does lead.
    for (const auto& name : campaign_->granted) {
      if (const Member* m = mem.find(name))
        out.send(name, m->addr(), Resign{campaign_->term, "", false});
    }
  }
  campaign_.reset();
  if (role_ != Role::leader) role_ = Role::follower;
  (void)now;
}

void Election::campaign_failed(Time now, const Membership& mem, Outbox& out, const char* outcome) {
  const std::int64_t wait_ms = campaign_ ? campaign_->promise_left_ms : 0;
  const bool soon = campaign_ && campaign_->retry_soon && wait_ms == 0;
  if (campaign_ && std::string_view(outcome) == "timed_out") {
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
  // cut off from us); never one that already failed to take over.
  count_end("won");
  const Campaign c = *campaign_;
  const auto order = ranking(now, mem, true, 1);
  const bool better_up = !order.empty() && order.front() != cfg_.name &&
                         !handover_failed_.count(order.front()) &&
                         (!excluded_.count(order.front()) || c.granted.count(order.front()));
  campaign_.reset();
  role_ = Role::leader;
  support_.reset();
  acked_.clear();
  hb_sent_.clear();
  // A voter is bound for vote_binding from its receipt; counted like a heartbeat acknowledgement
  // (lease_ from the send), shifted by what the binding adds to the promise.
  const Duration shift = vote_binding(c.length) - promise_;
  for (const auto& name : c.granted) acked_[name] = c.sent + shift;
  last_hb_sent_ = c.sent + shift;  // itself too: a campaign longer than the lease can still win
  excluded_.clear();
  awaiting_successor_.clear();
  retry_at_ = kNever;
  cleared_ = false;
  recompute_lease(now, mem);
  out.events.emplace_back(LeadershipAcquired{c.term});
  set_leader(cfg_.name, c.term, out);
  election_finished(now, out);
  send_heartbeats(now, mem, out, true);  // every member learns the new leader at once
  if (better_up) schedule(now, "better_candidate");
}

bool Election::ranks_before_candidate(Time now, const MemberUpdate& from,
                                      const Membership& mem) const {
  if (!cfg_.candidate_node || stopped_) return false;
  const Member* m = mem.find(from.name);
  const CandidateInfo me{cfg_.name, cfg_.priority, started_, runtime_ms_};
  const CandidateInfo them{from.name, from.meta.priority, m ? m->started.value_or(now) : now,
                           m ? m->runtime_ms : 0};
  return ranks_before(*strategy_, me, them);
}

// ---------------------------------------------------------------- leader

Heartbeat Election::heartbeat(std::uint64_t seq, Duration far) const {
  return Heartbeat{leader_term_, seq, round_, cfg_.quorum_size > 1, watchers_, to_ms(far)};
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
    if (everyone || watchers_.empty() || turn || was_watcher(name) ||
        std::binary_search(watchers_.begin(), watchers_.end(), name)) {
      out.send(name, m.addr(), hb);
    }
  }
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
  if (cfg_.quorum_size > 1) {
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
      if (a != acked_.end() && a->second + lease_ > now) {
        rank = 0;
      } else if (since != watch_since_.end()) {
        rank = now - since->second <= lease_ ? 1 : 3;
      }
      pool.push_back(Pick{rank, pool.size(), name});
    }
    // q - 1 supporters and a spare, so that one frozen supporter does not end the lease before
    // it is replaced.
    const auto want = std::min(pool.size(), static_cast<std::size_t>(cfg_.quorum_size));
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
  const auto q = static_cast<std::size_t>(std::max(cfg_.quorum_size, 1));
  std::vector<Time> ends{last_hb_sent_ + lease_};
  for (const auto& [name, sent] : acked_) {
    const Member* m = mem.find(name);
    if (m && m->up()) ends.push_back(sent + lease_);
  }
  Time end{};  // fewer than q entries: the lease ends at once
  if (ends.size() >= q) {
    std::nth_element(ends.begin(), ends.begin() + static_cast<std::ptrdiff_t>(q - 1), ends.end(),
                     std::greater<>());
    end = ends[q - 1];
  }
  // Losing a supporter can put the q-th latest end in the past (an older acknowledgement, say
  // of a member cut off since). The lease then ends now, or when it stood to end if that came
  // first (a late tick after a freeze), not earlier: until now is_leader() answered from it.
  lease_end_ = end >= now ? end : std::max(end, std::min(lease_end_, now));
}

void Election::handle(Time now, const Envelope& env, const HeartbeatResp& b, const Membership& mem,
                      Outbox& out) {
  if (b.term > term_) term_ = b.term;
  if (role_ == Role::leader && !b.ok && b.term > leader_term_) {
    // A member follows a newer leadership than ours (two leaders met after a partition with a
    // small quorum): step down and let a fresh election, above every known term, settle it.
    resign(now, now, "higher_term", "", false, mem, out);
    if (cfg_.automatic_elections) begin_leaderless(now, "higher_term", mem, out);
    return;
  }
  if (role_ != Role::leader || b.term != leader_term_ || !b.ok) return;
  auto it = hb_sent_.find(b.seq);
  if (it == hb_sent_.end()) return;
  Time& acked = acked_[env.header.self.name];
  acked = std::max(acked, it->second);
}

void Election::step_down(Time now, Time effective, const std::string& reason, Outbox& out) {
  if (role_ != Role::leader) return;
  role_ = Role::follower;
  // If the lease had already run out (the process was frozen or late), leadership ended then,
  // whatever made this node notice now.
  const bool lapsed = lease_end_ <= now;
  out.events.emplace_back(LeadershipLost{leader_term_, std::min({effective, now, lease_end_}),
                                         lapsed ? "lease_expired" : reason});
  acked_.clear();
  hb_sent_.clear();
  watchers_.clear();
  watch_since_.clear();
  next_heartbeat_ = kNever;
  lease_end_ = Time{};
  set_leader(std::nullopt, leader_term_, out);
}

void Election::resign(Time now, Time effective, const std::string& reason,
                      const std::string& successor, bool cleared, const Membership& mem,
                      Outbox& out) {
  const std::uint64_t t = leader_term_;
  step_down(now, effective, reason, out);
  broadcast(mem, Resign{t, successor, cleared}, out);
}

void Election::reevaluate(Time now, const std::string& reason, const Membership& mem, Outbox& out) {
  ++round_;
  election_started(now, reason, true, out);
  const auto order = ranking(now, mem, false, 1);
  if (!order.empty() && order.front() != cfg_.name) {
    handover(now, order.front(), "handover", mem, out);
    return;
  }
  election_finished(now, out);
  send_heartbeats(now, mem, out, true);  // followers see the round at once
}

void Election::handover(Time now, const std::string& successor, const std::string& reason,
                        const Membership& mem, Outbox& out) {
  released_ = cfg_.name;
  released_term_ = leader_term_;
  resign(now, now, reason, successor, false, mem, out);
  if (!successor.empty()) {
    awaiting_successor_ = successor;
    successor_deadline_ = now + 4 * T_;
  }
}

// ---------------------------------------------------------------- follower

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
  if (changed && !ongoing_) election_started(now, "leader_changed", false, out);
  set_leader(leader.name, term, out);
  if (changed) {
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
  const bool near = d.hb.watchers.empty() || named(d.hb.watchers, cfg_.name);
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
  if (role_ == Role::leader) {
    // Two leaders meet (only possible with a quorum of half the cluster or less): the higher term
    // stays; on equal terms the smaller name.
    if (b.term > leader_term_ || (b.term == leader_term_ && from.name < cfg_.name)) {
      step_down(now, now, "higher_term", out);
    } else {
      return refuse();
    }
  }
  // Terms never go back: a leader older than the one this node last followed is refused.
  if (b.term < leader_term_) return refuse();
  if (campaign_) abandon_campaign(now, mem, out);
  const bool new_leadership = !leader_ || *leader_ != from.name || leader_term_ != b.term;
  // A watcher (every member when none are named) is heartbeated every T, binds itself and
  // acknowledges; a far member expects one per far interval and gives the leader up after four.
  const bool near = b.watchers.empty() || named(b.watchers, cfg_.name);
  follow(now, from, b.term, near ? promise_ : 4 * heartbeat_far_interval(b), near, b.watchers, out);
  if (now < quiet_until_) {
    support_.reset();  // sees the leader, but promises nothing yet (see quiet_until_)
    return refuse();
  }
  if (!new_leadership && b.election_round != leader_round_) {
    // The leader ran an election and kept the leadership.
    election_started(now, "leader_round", false, out);
    election_finished(now, out);
  }
  leader_round_ = b.election_round;
  if (b.want_ack && near) out.send(from.name, from.addr, HeartbeatResp{b.term, b.seq, true});
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
    election_started(now, "cleared", false, out);
    election_finished(now, out);
    stay_cleared(now, mem, out);
    return;
  }
  election_started(now, "handover", false, out);
  if (!b.successor.empty()) {
    if (b.successor == cfg_.name) {
      campaign(now, false, true, mem, out);
    } else {
      awaiting_successor_ = b.successor;
      successor_deadline_ = now + 4 * T_;
    }
    return;
  }
  excluded_ = {from};
  if (cfg_.automatic_elections) begin_leaderless(now, "leader_resigned", mem, out);
}

void Election::handle(Time now, const Envelope&, const ElectForward& b, const Membership& mem,
                      Outbox& out) {
  if (role_ != Role::leader) {
    // elect() on a node that sees no leader (after clear_leader, or a non-candidate): every
    // node starts a leaderless election, so that the best candidate campaigns.
    if (!b.clear && !leader_ && !stopped_) {
      cleared_ = false;
      excluded_.clear();
      begin_leaderless(now, "requested", mem, out);
    }
    return;
  }
  if (b.clear) {
    clear_leader(now, mem, out);
  } else {
    reevaluate(now, "requested", mem, out);
  }
}

void Election::leader_lost(Time now, const std::string& reason, const Membership& mem,
                           Outbox& out) {
  set_leader(std::nullopt, leader_term_, out);
  if (cfg_.automatic_elections) {
    begin_leaderless(now, reason, mem, out);
  } else {
    election_started(now, reason, false, out);
    election_finished(now, out);
  }
}

// ---------------------------------------------------------------- commands and time

ElectOutcome Election::elect(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return ElectOutcome::stopped;
  if (!quorum_met(mem)) return ElectOutcome::quorum_not_met;
  cleared_ = false;
  if (role_ == Role::leader) {
    reevaluate(now, "requested", mem, out);
  } else if (leader_) {
    if (const Member* m = mem.find(*leader_)) out.send(*leader_, m->addr(), ElectForward{false});
  } else {
    excluded_.clear();
    broadcast(mem, ElectForward{false}, out);
    begin_leaderless(now, "requested", mem, out);
  }
  return ElectOutcome::started;
}

void Election::clear_leader(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (role_ == Role::leader) {
    election_started(now, "cleared", true, out);
    resign(now, now, "cleared", "", true, mem, out);
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
}

void Election::stop(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (role_ == Role::leader) {
    stopped_ = true;  // ranks itself out
    const auto order = ranking(now, mem, false, 1);
    stopped_ = false;
    const std::string successor = order.empty() ? "" : order.front();
    resign(now, now, "stopped", successor, false, mem, out);
  } else {
    abandon_campaign(now, mem, out);
  }
  stopped_ = true;
}

void Election::tick(Time now, const Membership& mem, Outbox& out) {
  if (stopped_) return;
  if (role_ == Role::leader) {
    recompute_lease(now, mem);
    if (now >= lease_end_) {
      // The lease ran out before it was renewed (frozen, slow, or cut off from the quorum).
      resign(now, lease_end_, "lease_expired", "", false, mem, out);
      excluded_ = {cfg_.name};
      if (cfg_.automatic_elections) begin_leaderless(now, "leader_lost", mem, out);
    } else if (now >= next_heartbeat_) {
      send_heartbeats(now, mem, out);
    }
  }
  if (support_ && now >= support_->until) {
    const bool was_leader = leader_ && *leader_ == support_->name && role_ != Role::leader;
    const std::string lost = support_->name;
    support_.reset();
    if (follow_deferred(now, mem, out)) {
      // Followed the newer leadership it had refused while its promise lasted.
    } else if (was_leader) {
      excluded_ = {lost};
      leader_lost(now, "leader_lost", mem, out);
    }
  }
  if (campaign_ && now >= campaign_->deadline) campaign_failed(now, mem, out, "timed_out");
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
    handover_failed_.insert(awaiting_successor_);
    awaiting_successor_.clear();
    if (!leader_ && cfg_.automatic_elections) begin_leaderless(now, "handover_failed", mem, out);
  }
  if (now >= retry_at_) {
    retry_at_ = kNever;
    if (!leader_ && role_ == Role::follower && !cleared_ && quorum_met(mem)) {
      // Members that joined since may rank before this node now (a big cluster's start).
      const std::size_t pos = rank_position(now, mem);
      if (pos < kCampaigners) {
        campaign(now, !leadership_ended(), false, mem, out);
      } else {
        retry_at_ = now + rank_wait(pos);
      }
    }
  }
  if (now >= election_due_) {
    election_due_ = kNever;
    if (role_ == Role::leader) {
      reevaluate(now, due_reason_, mem, out);
    } else if (!leader_ && !campaign_ && awaiting_successor_.empty()) {
      const Time join_wait_end = started_ + cfg_.election_delay + cfg_.membership.join_retry_max;
      if (!mem.joined() && now < join_wait_end) {
        // Given seeds, it has heard from no member yet: alone it would elect itself (q = 1) and
        // then disrupt the cluster it joins, as the late starters of a thousand processes on
        // one busy machine did. It waits for the join, or for its seeds to have been tried
        // through one whole retry backoff (they may all be down).
        election_due_ = std::min(join_wait_end, now + T_);
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
  if (role_ == Role::leader) t = std::min({t, next_heartbeat_, lease_end_});
  if (support_) t = std::min(t, support_->until);
  if (campaign_) {
    t = std::min({t, campaign_->deadline, campaign_->ask_rest_at});
    for (const auto& [name, at] : campaign_->reask) t = std::min(t, at);
  }
  if (!awaiting_successor_.empty()) t = std::min(t, successor_deadline_);
  return t;
}

}  // namespace elector
