// Membership: who is in the cluster and who is up. SWIM with Lifeguard's refinements, in the
// manner of hashicorp/memberlist, as a deterministic state machine.
//
// Mechanisms (each in its own file where it has state): round-robin probing with indirect probes
// through `indirect_checks` members and nacks; suspicion with a timeout that shrinks with
// independent confirmations (suspicion.hpp); local health awareness (awareness.hpp); piggybacked
// gossip (broadcast_queue.hpp); full-state push-pull for joins and anti-entropy; reconnects to
// members thought dead, which heal partitions; and the transport's "process gone" signal.
//
// Idle cost per node does not depend on N: one probe per interval, dedicated gossip messages only
// while there is fresh news (broadcast_queue.hpp), one push-pull per (log-scaled) interval.
//
// The view is compact (member_list.hpp): identities live once in a MemberDirectory, which the
// caller may share between the cores of one thread (the simulator does); by default each
// Membership has its own.
//
// Call order: construct, start(), then any sequence of on_envelope()/tick()/peer_gone() with
// non-decreasing `now`; leave() last. Not thread-safe: one thread drives it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/awareness.hpp"
#include "core/broadcast_queue.hpp"
#include "core/liveness_watch.hpp"
#include "core/member_directory.hpp"
#include "core/member_list.hpp"
#include "core/messages.hpp"
#include "core/outbox.hpp"
#include "core/rng.hpp"
#include "core/suspicion.hpp"
#include "elector/config.hpp"

namespace elector::core {

class Membership {
 public:
  Membership(const MembershipTuning& tuning, MemberUpdate self, Time now, Rng& rng,
             std::shared_ptr<MemberDirectory> directory = nullptr);

  void start(Time now, const std::vector<std::string>& seeds, Outbox& out);
  /// Applies the header and gossip of any envelope, then handles membership bodies.
  void on_envelope(Time now, const Envelope& env, std::int64_t runtime_ms, Outbox& out);
  void tick(Time now, Outbox& out);
  /// The transport saw the process of `name` (boot `boot`) end; 0 matches any boot.
  void peer_gone(Time now, const std::string& name, std::uint64_t boot, Outbox& out);
  /// Graceful leave: tells `first` (the leader: a leave is an election trigger) and a few other
  /// members directly, every member when the cluster is small; the rest hear it as gossip.
  void leave(Time now, const std::vector<std::string>& first, Outbox& out);

  /// Whether this node sends SWIM probes. A far follower of a live leader does not: the leader
  /// watches it instead (watch_silence). Turned back on, the first probe comes within a period.
  void set_probing(Time now, bool on);
  [[nodiscard]] bool probing() const { return probing_; }
  /// Suspects an up member not heard from for `limit`, as a failed probe would (confirming a
  /// suspicion already under way), for the minimum suspicion timeout; zero stops.
  /// The leader's failure detector for the members that do not probe (core/liveness_watch.hpp).
  void watch_silence(Time now, Duration limit) { watch_.set_limit(now, limit); }
  /// The leader this node follows (empty: none). News of its process's end learned second-hand
  /// gets no dedicated gossip: the election that follows carries it to every member anyway (the
  /// votes and the new leader's heartbeats), and far followers, which hold no connection to the
  /// leader, all learn it second-hand; each gossiping it woke three more processes in the middle
  /// of the failover (docs/design.md §3).
  void set_followed(const std::optional<std::string>& leader) { followed_ = leader.value_or(""); }

  [[nodiscard]] Time next_wakeup() const;
  [[nodiscard]] std::vector<MemberUpdate> take_gossip();
  [[nodiscard]] MemberUpdate self_record(Time now) const;
  [[nodiscard]] const Member* find(const std::string& name) const;
  /// Every member but self, as (name, member) pairs, in directory id order.
  [[nodiscard]] const MemberList& members() const { return members_; }
  /// Where the identities of the members are stored (shared with other cores, or its own).
  [[nodiscard]] const std::shared_ptr<MemberDirectory>& directory() const { return dir_; }
  /// Members up (alive or suspect), self excluded.
  [[nodiscard]] std::size_t up_count() const { return up_count_; }
  [[nodiscard]] bool joined() const { return joined_; }
  [[nodiscard]] std::size_t broadcast_backlog() const { return queue_.size(); }
  [[nodiscard]] int awareness() const { return awareness_.score(); }
  /// A full-state message (for join replies the election layer adds the leader).
  [[nodiscard]] PushPull make_push_pull(Time now, bool join, bool want_reply) const;

 private:
  enum class Source { direct, gossip, state };
  struct Probe {
    std::uint64_t seq = 0;
    std::uint32_t target = 0;  // directory id
    std::uint64_t boot = 0;
    Time timeout_at{};
    Time end_at{};
    bool indirect_sent = false;
    int expected_nacks = 0;
    int nacks = 0;
  };
  struct Relay {
    std::string origin;
    std::string origin_addr;
    std::uint64_t origin_seq = 0;
    Time deadline{};
  };

  /// Applies what `u` says of a member (not this node: of this node, a suspicion is refuted).
  /// True when it changed the view; then it is gossiped on unless `src` is a full state.
  bool apply(Time now, const MemberUpdate& u, Source src, Outbox& out);
  // The transitions apply() chooses from (membership_transitions.cpp). Each returns whether the
  // view changed; `spread`: gossip the change on.
  /// A member not in the view: added if alive or suspect.
  bool new_member(Time now, const MemberUpdate& u, bool spread, Outbox& out);
  /// A newer process (boot) of `m`: the old one is down (restarted), the new one takes its place.
  bool new_process(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out);
  /// `m` is alive at a higher incarnation (a refuted suspicion, a rejoin, new metadata).
  bool alive_member(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out);
  /// `m` is suspected, or another member confirms the suspicion.
  bool suspect_member(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out);
  /// `m` is dead (failed, or its process gone) or left.
  bool dead_member(Time now, Member& m, const MemberUpdate& u, bool spread, Outbox& out);
  void refute(Time now, std::uint32_t incarnation);
  void set_status(Time now, Member& m, MemberStatus s, Outbox& out,
                  DownReason why = DownReason::failed);
  /// `conclusive`: the evidence needs no confirmations (the suspicion runs for its minimum).
  void start_suspicion(Time now, const Member& m, const std::string& from, bool conclusive = false);
  void end_suspicion(std::uint32_t id);
  /// `m`'s record with its age as of `now`, as gossiped and sent in full state.
  [[nodiscard]] MemberUpdate record_of(Time now, const Member& m) const;
  [[nodiscard]] Member* find_mut(const std::string& name);
  void handle(Time now, const Envelope& env, const Ping& b, Outbox& out);
  void handle(Time now, const Envelope& env, const Ack& b, Outbox& out);
  void handle(Time now, const Envelope& env, const Nack& b, Outbox& out);
  void handle(Time now, const Envelope& env, const PingReq& b, Outbox& out);
  void handle(Time now, const Envelope& env, const PushPull& b, Outbox& out);
  void send_joins(Time now, Outbox& out);
  void start_probe(Time now, Outbox& out);
  void reshuffle();
  void finish_probe(Time now, Outbox& out);
  /// This node suspects alive member `id`: a failed probe, or (`silent`) the leader's silence
  /// watch, whose suspicion needs no confirmations.
  void suspect(Time now, std::uint32_t id, bool silent, Outbox& out);
  /// Up to k distinct up members at random; as copies, since adding members moves the view.
  std::vector<Member> random_up(std::size_t k, std::optional<std::uint32_t> exclude);
  [[nodiscard]] int retransmit_limit() const;
  [[nodiscard]] Duration suspicion_min() const;
  /// Time between two probes of this node: probe_interval, longer in a big cluster.
  [[nodiscard]] Duration probe_period() const;
  [[nodiscard]] Duration push_pull_period() const;

  MembershipTuning t_;
  MemberUpdate self_;
  Time self_started_;
  Rng& rng_;
  std::shared_ptr<MemberDirectory> dir_;
  Awareness awareness_;
  BroadcastQueue queue_;
  MemberList members_;
  std::map<std::uint32_t, Suspicion> suspicions_;  // of suspect members, by directory id
  std::map<std::uint32_t, Time> down_at_;          // when each dead or left member went down
  std::size_t up_count_ = 0;

  std::vector<std::string> seeds_;
  bool joined_ = false;
  bool leaving_ = false;
  Duration join_backoff_{};
  Time next_join_ = kNever;

  std::uint64_t next_seq_ = 1;
  std::optional<Probe> probe_;
  std::vector<std::uint32_t> probe_order_;
  std::size_t probe_pos_ = 0;
  Time next_probe_ = kNever;
  bool probing_ = true;
  std::string followed_;
  LivenessWatch watch_;
  std::map<std::uint64_t, Relay> relays_;
  /// When this node last sent its full state in answer to each process (name -> boot, time): at
  /// most once per join_retry_max. A thousand joiners retrying while their seeds were too busy
  /// to answer had each seed send the whole list again for every retry.
  std::map<std::string, std::pair<std::uint64_t, Time>> answered_;
  std::set<std::pair<Time, std::uint32_t>> suspicion_deadlines_;
  std::set<std::pair<Time, std::uint32_t>> down_since_;  // dead or left, oldest first
  Time next_gossip_{};
  Time next_push_pull_ = kNever;
  Time next_reconnect_ = kNever;
};

}  // namespace elector::core
