// Election: who leads, for which term, and until when. A deterministic state machine.
//
// Roles: follower, pre-candidate (asking "would you vote for me?"), candidate, leader. Each role's
// state is a type of its own, held while the role lasts: a Leadership (leadership.hpp) while
// leading, a Campaign while a (pre-)candidate, a Support while following or bound by a vote
// (role_state.hpp). role() is which of them is held; Election coordinates them.
//
// The safety rule (docs/design.md has the argument): a node *supports* at most one (node, term) at
// a time. Granting a vote or acknowledging a heartbeat is a promise not to support anyone else for
// `promise` (4T) from the instant it was given, unless the supported node releases it (Resign) or
// the transport reports its process gone. A leader counts a supporter's promise from the instant
// it *sent* the request, for the shorter `lease` (3.5T), and is leader only while `quorum_size`
// supporters (itself included) hold such a promise. Any two quorums intersect when quorum_size is
// greater than half the cluster, so two leases can never overlap.
//
// Call order: construct, start(), then inputs with non-decreasing `now`. The Membership passed
// in is the node's own, already updated for the same input. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/durable.hpp"
#include "core/handover_backoff.hpp"
#include "core/leadership.hpp"
#include "core/membership.hpp"
#include "core/messages.hpp"
#include "core/outbox.hpp"
#include "core/quorum.hpp"
#include "core/rng.hpp"
#include "core/role_state.hpp"
#include "core/timing.hpp"
#include "core/vote_tally.hpp"
#include "elector/config.hpp"
#include "elector/elect_result.hpp"
#include "elector/node_role.hpp"

namespace elector::core {

/// The core's names for the public role and elect result: one enum each, so that what a Node
/// reports is the core's own value, with nothing to map and nothing to forget.
using Role = NodeRole;
using ElectOutcome = ElectResult;

/// How this node's own campaigns ended, and why voters refused it: what a cluster that keeps
/// failing to elect shows first (exported as metrics; docs/electord.md).
struct CampaignCounts {
  /// Per round, how many ended each way.
  std::map<CampaignRound, std::map<CampaignOutcome, std::uint64_t>> ended;
  /// The reason of each refusal received.
  std::map<Refusal, std::uint64_t> refusals;
};

class Election {
 public:
  /// `past` is what this node kept of its previous process (durable.hpp): its term, and until
  /// when its promises bind it. A node that lost that memory keeps quiet for the longest binding.
  Election(const Config& cfg, std::shared_ptr<const Strategy> strategy, std::uint64_t settings_hash,
           const Past& past, Time now, Rng& rng);

  void start(Time now, Outbox& out);
  void on_envelope(Time now, const Envelope& env, const Membership& mem, Outbox& out);
  void tick(Time now, const Membership& mem, Outbox& out);
  /// A member's state changed, as Membership reported it in this step (outbox.hpp).
  void on_member_change(Time now, const MemberChange& c, const Membership& mem, Outbox& out);
  /// The transport saw `name`'s process (boot `boot`, 0 = any) end: it can no longer lead, so
  /// support given to it is released at once (even if gossip said "failed" first).
  void on_peer_gone(Time now, const std::string& name, std::uint64_t boot, const Membership& mem,
                    Outbox& out);
  ElectOutcome elect(Time now, const Membership& mem, Outbox& out);
  void clear_leader(Time now, const Membership& mem, Outbox& out);
  /// Leaves: a leader hands over to the best other candidate at once.
  void stop(Time now, const Membership& mem, Outbox& out);
  void set_runtime_ms(std::int64_t v) { runtime_ms_ = v; }

  [[nodiscard]] Time next_wakeup() const;
  /// A far follower of a live leader leaves failure detection to the leader (it does not probe;
  /// docs/design.md §3, "Probing delegated to the leader").
  [[nodiscard]] bool probing_delegated(Time now) const;
  /// As leader with far members: how long a member may stay silent before this node suspects it
  /// (three far intervals); zero otherwise.
  [[nodiscard]] Duration silence_limit(const Membership& mem) const;
  [[nodiscard]] bool is_leader(Time now) const { return leading_ && now < leading_->lease_end(); }
  /// Which role state is held: a leadership, a campaign (its round), or neither.
  [[nodiscard]] Role role() const {
    if (leading_) return Role::leader;
    if (campaign_) return campaign_->pre ? Role::pre_candidate : Role::candidate;
    return Role::follower;
  }
  [[nodiscard]] const std::optional<std::string>& leader() const { return leader_; }
  /// The term of the leadership this node follows or holds (the fencing token).
  [[nodiscard]] std::uint64_t term() const { return leader_term_; }
  /// The highest term this node has seen or voted in (what a restart should remember).
  [[nodiscard]] std::uint64_t max_term() const { return std::max(term_, voted_term_); }
  /// A term heard in any message header.
  void learn_term(std::uint64_t t) { term_ = std::max(term_, t); }
  [[nodiscard]] Time lease_end() const { return leading_ ? leading_->lease_end() : Time{}; }
  [[nodiscard]] bool quorum_met(const Membership& mem) const;
  /// q: the supporters a lease needs, and the least number of votes a campaign needs.
  [[nodiscard]] std::size_t quorum() const { return quorum_for(cfg_, known_.size()); }
  /// The cluster's known size, the base of the default quorum (quorum.hpp).
  [[nodiscard]] std::size_t cluster_size() const { return known_.size(); }
  /// Names the voters it counts by their ids in `dir` (NodeCore passes its membership's).
  void use_directory(std::shared_ptr<MemberDirectory> dir) { known_.use_directory(std::move(dir)); }
  [[nodiscard]] bool availability_mode() const {
    return core::availability_mode(quorum(), cluster_size());
  }
  [[nodiscard]] std::uint64_t elections_started() const { return next_election_id_ - 1; }
  void fill(PushPull& p) const;
  [[nodiscard]] const CampaignCounts& campaign_counts() const { return counts_; }

  /// What must be on disk before the messages of this step leave: set when the term or a promise
  /// outgrew what was last saved (a promise is saved ahead of need, Timing::kDurableSlack).
  [[nodiscard]] std::optional<DurableState> take_save(Time now);
  /// The outcome of saving what take_save() returned. After a failure this node refuses votes
  /// (`unsaved`), acknowledges no heartbeat and steps down if it leads, until a save succeeds
  /// (take_save() asks again every T).
  void saved(Time now, bool ok, const Membership& mem, Outbox& out);
  [[nodiscard]] bool durable_ok() const { return !unsaved_; }
  /// Until when this node keeps quiet after its start (no votes, no acknowledgements, no
  /// campaign): the promises of a previous process may still bind it.
  [[nodiscard]] Time quiet_until() const { return quiet_until_; }
  [[nodiscard]] const Timing& timing() const { return tm_; }

 private:
  struct Ongoing {
    std::uint64_t id = 0;
    Time started{};
    bool initiator = false;
    /// Whether this node led when the election started: the role its pre-election hooks see,
    /// also those requested once it becomes the initiator later.
    bool led = false;
  };

  void handle(Time now, const Envelope& env, const PreVoteReq& b, const Membership& mem,
              Outbox& out);
  void handle(Time now, const Envelope& env, const VoteReq& b, const Membership& mem, Outbox& out);
  void handle(Time now, const Envelope& env, const VoteResp& b, const Membership& mem, Outbox& out);
  void handle(Time now, const Envelope& env, const Heartbeat& b, const Membership& mem,
              Outbox& out);
  void handle(Time now, const Envelope& env, const HeartbeatResp& b, const Membership& mem,
              Outbox& out);
  void handle(Time now, const Envelope& env, const Resign& b, const Membership& mem, Outbox& out);
  void handle(Time now, const Envelope& env, const ElectForward& b, const Membership& mem,
              Outbox& out);

  /// Why a vote (or pre-vote) for `from` in `term` is refused; none when it can be granted.
  Refusal refusal(Time now, const MemberUpdate& from, std::uint64_t term, bool pre,
                  const Membership& mem) const;
  /// Whether this node (as a candidate) ranks before the candidate `from`.
  bool ranks_before_candidate(Time now, const MemberUpdate& from, const Membership& mem) const;
  void reply_vote(Time now, const MemberUpdate& to, std::uint64_t term, bool pre, bool granted,
                  Refusal reason, Outbox& out) const;

  void begin_leaderless(Time now, ElectionReason reason, const Membership& mem, Outbox& out);
  /// The leadership this node followed has ended for certain: its leader resigned, left, or its
  /// process is gone. No live leader can be disrupted, so a campaign skips the pre-vote round.
  [[nodiscard]] bool leadership_ended() const;
  /// This node's place among the candidates of its view (kCampaigners or more: beyond them).
  /// `best`, when given, receives the first of them (empty if there is none).
  [[nodiscard]] std::size_t rank_position(Time now, const Membership& mem,
                                          std::string* best = nullptr) const;
  /// How long a node at `pos` waits for a better candidate before it looks again (2T per rank,
  /// capped at kCampaigners, plus up to T/2).
  [[nodiscard]] Duration rank_wait(std::size_t pos);
  /// Called with a (pre-)vote request: a node waiting its rank turn that hears a better-ranked
  /// candidate campaign waits for that campaign to end, `campaign` long (once per leaderless
  /// election).
  void extend_rank_wait(Time now, const MemberUpdate& from, Duration campaign,
                        const Membership& mem);
  /// The longest a campaign waits for its answers.
  [[nodiscard]] Duration max_campaign() const;
  /// The length a (pre-)vote request asks for, within [3T, max_campaign()].
  [[nodiscard]] Duration requested_length(std::uint64_t campaign_ms) const;
  /// How long a vote binds its voter, for a campaign that waits `campaign` for its answers.
  [[nodiscard]] Duration vote_binding(Duration campaign) const;
  void campaign(Time now, bool pre, bool designated, const Membership& mem, Outbox& out);
  /// Sends the campaign's request to up to `count` more of its unasked voters.
  void ask_more(std::size_t count, const Membership& mem, Outbox& out);
  /// Sends the campaign's (pre-)vote request to `name`.
  void ask(const std::string& name, const Member& m, Outbox& out) const;
  /// Ends the campaign (counted as `outcome`) and releases the voters that granted.
  void abandon_campaign(Time now, const Membership& mem, Outbox& out,
                        CampaignOutcome outcome = CampaignOutcome::abandoned);
  /// Counts how the current campaign ends.
  void count_end(CampaignOutcome outcome);
  /// After a clear: no campaign, retry or due election is left pending.
  void stay_cleared(Time now, const Membership& mem, Outbox& out);
  /// The campaign cannot win (`outcome`: refused or timed_out): abandons it and sets the retry.
  void campaign_failed(Time now, const Membership& mem, Outbox& out, CampaignOutcome outcome);
  void become_leader(Time now, const Membership& mem, Outbox& out);
  /// Heartbeats the watchers, and the far members whose turn it is (all of them if `everyone`).
  void send_heartbeats(Time now, const Membership& mem, Outbox& out, bool everyone = false);
  /// Chooses watchers_: the best-ranked other candidates and, when the lease needs supporters,
  /// q of the members (q - 1 and a spare) that acknowledge, preferring those that did recently.
  void choose_watchers(Time now, const Membership& mem);
  [[nodiscard]] Heartbeat heartbeat(std::uint64_t seq, Duration far) const;
  /// How often a far member gets a heartbeat: far_, times big_cluster_factor() unless configured.
  [[nodiscard]] Duration far_interval(const Membership& mem) const;
  void recompute_lease(Time now, const Membership& mem);
  void step_down(Time now, Time effective, LossReason reason, Outbox& out);
  /// Steps down and tells every member at once, releasing them from their promise.
  void resign(Time now, Time effective, LossReason reason, const std::string& successor,
              bool cleared, const Membership& mem, Outbox& out);
  /// `b` to every up member: over a stream to the `watchers` (to all when empty), as a datagram
  /// to the far members.
  void broadcast(const Membership& mem, const Body& b, Outbox& out,
                 const std::vector<std::string>& watchers = {}) const;
  void reevaluate(Time now, ElectionReason reason, const Membership& mem, Outbox& out);
  void handover(Time now, const std::string& successor, const Membership& mem, Outbox& out);
  /// The followed leader is gone: a leaderless election begins (or is reported, without
  /// automatic elections).
  void leader_lost(Time now, const Membership& mem, Outbox& out);
  /// Follows `leader`: believes it alive for `stay`, and is bound to it for a promise period
  /// when `bind` (a watcher's heartbeat).
  void follow(Time now, const MemberUpdate& leader, std::uint64_t term, Duration stay, bool bind,
              std::vector<std::string> watchers, Outbox& out);
  /// Called when the support this node gave has just ended: follows the newer leadership whose
  /// heartbeat it had to refuse meanwhile, if any (true when it now follows it).
  bool follow_deferred(Time now, const Membership& mem, Outbox& out);
  /// The interval a heartbeat says far members are heartbeated at, within sane bounds.
  [[nodiscard]] Duration heartbeat_far_interval(const Heartbeat& hb) const;
  void set_leader(const std::optional<std::string>& leader, std::uint64_t term, Outbox& out);
  void schedule(Time now, ElectionReason reason);

  /// Eligible candidates, best first; those in excluded_ last unless `all` (pure strategy order).
  /// Only the first `limit` of them.
  std::vector<std::string> ranking(Time now, const Membership& mem, bool all = false,
                                   std::size_t limit = SIZE_MAX) const;
  /// Whether `m` is a candidate that ranks: alive, a candidate node, and with our settings.
  [[nodiscard]] bool eligible(const Member& m) const;
  [[nodiscard]] static CandidateInfo candidate_of(Time now, const Member& m);
  [[nodiscard]] CandidateInfo self_candidate() const;
  /// The first of ranking(now, mem, all) that a leader may hand over to now (this node
  /// included): members in their handover backoff are skipped. Empty if there is none.
  [[nodiscard]] std::string handover_choice(Time now, const Membership& mem, bool all) const;
  [[nodiscard]] std::size_t voters(const Membership& mem) const;
  [[nodiscard]] std::size_t needed_votes(const Membership& mem) const;
  [[nodiscard]] bool support_active(Time now) const;
  [[nodiscard]] bool bound(Time now) const;

  // Member changes (on_member_change), by kind.
  void member_joined(Time now, const std::string& name, const Membership& mem, Outbox& out);
  /// `name` was suspected and is alive again (it refuted the suspicion).
  void member_alive_again(Time now, const std::string& name, const Membership& mem);
  /// `name` went down (`how`: failed, left, restarted or gone).
  void member_down(Time now, const std::string& name, MemberChange::Kind how, const Membership& mem,
                   Outbox& out);

  void election_started(Time now, ElectionReason reason, bool initiator, Outbox& out);
  void election_finished(Time now, Outbox& out);

  Config cfg_;
  std::shared_ptr<const Strategy> strategy_;
  std::uint64_t settings_hash_;
  Time started_;
  /// A (re)started node may have promised support before it went down; it keeps that promise
  /// by supporting no one (no votes, no heartbeat acks, no campaign) for one promise period.
  Time quiet_until_;
  Rng& rng_;
  Timing tm_;
  Duration T_, promise_, lease_;
  /// How often the leader heartbeats a member that is not one of its watchers.
  Duration far_;
  std::int64_t runtime_ms_ = 0;

  std::uint64_t term_ = 0;
  std::uint64_t voted_term_ = 0;
  std::string voted_for_;
  std::optional<Support> support_;
  std::optional<std::string> leader_;
  std::uint64_t leader_term_ = 0;
  std::uint64_t leader_round_ = 0;  // last election round seen from the leader
  bool stopped_ = false;
  bool cleared_ = false;

  // Leader state: the term being led, while this node leads. The sequence numbers run on
  // across terms.
  std::optional<Leadership> leading_;
  std::uint64_t hb_seq_ = 0;
  std::uint64_t round_ = 0;

  // Leaderless state.
  std::optional<Campaign> campaign_;
  /// How long this node's next campaign waits for answers: 3T, doubled after each timeout, back
  /// to 3T once a leader is known.
  Duration campaign_length_;
  Time retry_at_ = kNever;
  bool rank_wait_extended_ = false;
  std::set<std::string> excluded_;
  /// Successors that did not take over when handed the leadership: passed over by handovers for
  /// a pause that doubles with each failure, forgotten when their membership changes or they
  /// lead. A leader looks again at each pause's end (tick), also at one that ended before it won.
  HandoverBackoff handover_backoff_;
  std::string released_;             // the last leader known to have resigned or gone...
  std::uint64_t released_term_ = 0;  // ...and the term it held
  std::string awaiting_successor_;
  Time successor_deadline_ = kNever;
  Time election_due_ = kNever;
  bool join_wait_ = false;  // election_due_ was put off until the node hears from a member
  ElectionReason due_reason_ = ElectionReason::startup;

  /// A heartbeat of a newer leadership refused while this node still backed the old leader.
  /// When a crashed leader's peers learn of the crash at different moments, the first to learn
  /// may win the election and send its first heartbeat to a peer that has not learnt yet; that
  /// peer follows it the moment its own signal arrives instead of one heartbeat interval later.
  struct DeferredHeartbeat {
    Header header;
    Heartbeat hb;
    Time at{};
  };
  std::optional<DeferredHeartbeat> deferred_hb_;
  /// The last heartbeat followed, by its sender's process, term and sequence number: a watcher
  /// gets each heartbeat twice (Route::both) and follows the first copy only.
  struct FollowedHeartbeat {
    std::string name;
    std::uint64_t boot = 0;
    std::uint64_t term = 0;
    std::uint64_t seq = 0;
  };
  FollowedHeartbeat followed_hb_;
  /// When this follower next answers a heartbeat that asks for no acknowledgement, as proof of
  /// life for the leader's failure detector (HeartbeatResp::alive_only).
  Time next_alive_ack_{};

  std::optional<Ongoing> ongoing_;
  std::uint64_t next_election_id_ = 1;

  KnownSize known_;
  bool availability_reported_ = false;
  /// Counts `name` among the known voters if it shares our settings, and reports availability
  /// mode when the cluster has just grown to twice an explicit quorum.
  void count_member(const std::string& name, const Membership& mem, Outbox& out);
  void report_availability(Outbox& out);

  // Durable state: what was last saved, and whether the last save failed.
  DurableState saved_;
  std::optional<DurableState> pending_save_;
  bool unsaved_ = false;
  Time next_save_try_ = kNever;
  /// Forgets every supporter and voter that was `name`'s process (boot `boot`, 0 = any).
  void drop_support_of(Time now, const std::string& name, std::uint64_t boot,
                       const Membership& mem);
  CampaignCounts counts_;
};

}  // namespace elector::core
