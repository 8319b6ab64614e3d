// elector::Node: one member of a leader-election cluster, on the network, inside your program.
//
//   elector::NodeConfig cfg;
//   cfg.name = "box1"; cfg.listen = "127.0.0.1:7001"; cfg.seeds = {"127.0.0.1:7002"};
//   cfg.cookie = read_secret();
//   elector::NodeCallbacks cb;
//   cb.elected = [&](std::uint64_t term) { start_work(term); };
//   cb.demoted = [&](std::uint64_t term, const std::string&) { stop_work(); };
//   elector::Node node(cfg, cb);
//   node.start();               // binds, joins through the seeds, takes part in elections
//   ...
//   if (node.is_leader()) write_with_fence(node.term());
//   node.stop();                // hands leadership over at once, leaves the cluster
//
// Thread safety: every method may be called from any thread, concurrently. Several Nodes may live
// in one process (each has its own sockets and threads).
//
// Callbacks run on the node's own event thread, one at a time and in the order the events
// happened. They may call any method of the Node (but not its destructor or stop()). A callback
// that blocks delays the callbacks after it, never the protocol: elections do not wait for them.
// `is_leader()` is the authority, not the callbacks: it checks the lease against the clock at the
// instant it is called, so it turns false when the lease runs out even if the event thread is busy.
//
// Clocks: the protocol runs on CLOCK_BOOTTIME, which keeps counting while the machine is
// suspended, so a leader resumed from a suspend finds its lease over; every instant a Node
// reports (events, `mono_now()`) is on CLOCK_MONOTONIC, converted at the moment it is reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "elector/config.hpp"
#include "elector/elect_result.hpp"
#include "elector/events.hpp"
#include "elector/export.hpp"
#include "elector/log.hpp"
#include "elector/member_state.hpp"
#include "elector/node_role.hpp"
#include "elector/time.hpp"
#include "elector/transport_stats.hpp"

namespace elector {

/// The protocol's Config plus what a networked node needs.
struct NodeConfig : Config {
  /// The cluster secret (like Erlang's cookie). Every message is authenticated with a key
  /// derived from it; a member with another secret cannot join, vote or lead.
  std::string cookie;
  /// Allow running without a secret (messages unauthenticated): local experiments only.
  bool insecure = false;
  /// The node's durable state (state_file.hpp: its term, until when its promises bind it, the
  /// cluster size), saved before any message that relies on it leaves: terms never go back across
  /// restarts, and a restarted process keeps the promises of the one it replaces.
  /// Its directory must exist and be writable; a file that exists but cannot be read makes
  /// start() throw. While a save fails the node neither votes, nor acknowledges a leader, nor
  /// leads (NodeStatus::state_saved says so), and it logs an error about once a second.
  /// Empty: nothing is kept, and since the node then cannot know whether it ran before, it starts
  /// as one that lost its state: quiet (no votes, no campaign) for 25 heartbeat intervals.
  /// Two processes must never share one file (electord holds a lock beside it).
  std::string state_file;
  /// Messages stamped (by the sender's wall clock) further than this from ours are refused as
  /// replays. Bounds how long a captured message can be replayed to a node that restarted.
  Duration replay_window = std::chrono::seconds(60);
};

/// What elect_sync() did: elect()'s result (elect_result.hpp), and how the wait ended.
struct ElectSyncResult {
  ElectResult result = ElectResult::started;
  /// Set when an election finished with a leader before the timeout.
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  bool timed_out = false;
};

struct NodeCallbacks {
  /// Before an election this node runs (hooks_execution=local) or sees (global): called before
  /// the node campaigns or votes in it; the node holds that step's messages (and later ones)
  /// until it returns, hook_timeout at most, so it must return quickly (start a process, do not
  /// wait for it).
  std::function<void(const HookRequest&)> pre_election;
  /// After that election finished (request.leader is the outcome).
  std::function<void(const HookRequest&)> post_election;
  /// Once per change of the leader this node sees (nullopt: none).
  std::function<void(const std::optional<std::string>& leader, std::uint64_t term)> leader_changed;
  /// Once per term this node wins.
  std::function<void(std::uint64_t term)> elected;
  /// Only on a node that was leader, once per `elected`; `reason` as LeadershipLost's.
  std::function<void(std::uint64_t term, const std::string& reason)> demoted;
  /// Every event, with the instant it happened on CLOCK_MONOTONIC (event logs, event streams);
  /// LeadershipLost::effective is on the same clock.
  std::function<void(Time at, const Event& e)> event;
  /// The node's own diagnostics (log.hpp says on which thread). Unset: log_to_stderr.
  LogSink log;
  /// On a follower that gave up its leader as gone (its heartbeats stopped or its process ended;
  /// ElectionStarted's reason leader_lost): the time from the last heartbeat it heard from that
  /// leader to then. After that step's events.
  std::function<void(Duration since_last_heartbeat)> leader_loss_detected;
};

/// One member as this node sees it.
struct NodeMember {
  std::string name;
  std::string addr;
  std::string control;
  MemberState status = MemberState::alive;
  std::int64_t priority = 0;
  bool candidate = true;
  bool settings_match = true;
  bool self = false;
};

/// The leadership as this node sees it, read at one instant under one lock: what leader(),
/// term() and is_leader() say, plus the lease left. Cheap (no member list): for callers that ask
/// often, such as a control API polled by a supervisor.
struct NodeLeadership {
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  bool is_leader = false;
  /// Time left on this node's lease as leader (zero when not leader).
  Duration lease_left{};
};

struct NodeStatus {
  std::string name;
  std::string listen;
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  bool is_leader = false;
  /// Where this node stands in the protocol now: follower, pre_candidate, candidate or leader.
  /// Whether it leads is is_leader's to say (the lease, checked at the call), not the role's.
  NodeRole role = NodeRole::follower;
  /// Time left on this node's lease as leader (zero when not leader).
  Duration lease_left{};
  bool quorum_met = false;
  /// The configured quorum_size (0: a majority) and what it means now: q, the supporters a
  /// leader needs, of the cluster's known size (the most voters known at once).
  int quorum_size = 0;
  std::size_t quorum = 1;
  std::size_t cluster_size = 1;
  /// An explicit quorum_size of half the known cluster or less: a partition can elect two
  /// leaders.
  bool availability_mode = false;
  std::string strategy;
  std::int64_t priority = 0;
  bool candidate = true;
  std::uint64_t settings_hash = 0;
  /// Members whose election settings differ from ours.
  std::vector<std::string> settings_mismatch;
  /// Members (this node included) by state; once started, every state is present (maybe 0).
  std::map<MemberState, std::size_t> members_by_status;
  std::uint64_t elections = 0;  // elections this node saw finish
  /// This node's own campaigns by round ("pre", "vote") and how they ended ("won", "refused",
  /// "timed_out", "abandoned"), and the refusals its campaigns received, by reason.
  std::map<std::string, std::map<std::string, std::uint64_t>> campaigns;
  std::map<std::string, std::uint64_t> vote_refusals;
  Duration uptime{};
  /// NodeConfig::state_file (empty: none).
  std::string state_file;
  /// False from a failed save of the state file until one succeeds: meanwhile this node neither
  /// votes, nor acknowledges a leader, nor leads.
  bool state_saved = true;
  /// Saves of the state file that failed since the start.
  std::uint64_t state_save_failures = 0;
};

/// Reads CLOCK_MONOTONIC: the clock of every Time a Node reports (and of event logs). The
/// protocol itself runs on CLOCK_BOOTTIME (see the top of this file).
ELECTOR_API Time mono_now();

class ELECTOR_API Node {
 public:
  /// Checks the config; throws std::invalid_argument naming the key on a bad one.
  explicit Node(NodeConfig cfg, NodeCallbacks callbacks = {});
  /// Stops the node (see stop()).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Binds the listen address, starts the node's threads and joins through the seeds (retried
  /// with backoff while none answers). Throws std::runtime_error if it cannot bind, or if there
  /// is no secret and `insecure` is not set.
  void start();
  /// Hands leadership over at once (if leader), tells the members it leaves, stops the threads.
  /// Idempotent. Must not be called from a callback.
  void stop();

  /// Starts an election and returns at once (a follower asks the leader to run it).
  ElectResult elect();
  /// Starts an election and waits until one finishes with a leader, or `timeout` passes.
  ElectSyncResult elect_sync(Duration timeout);
  /// Drops the current leader everywhere; no automatic election follows until one is asked for
  /// or membership changes.
  void clear_leader();

  [[nodiscard]] std::optional<std::string> leader() const;
  /// True only while this node holds a valid lease, checked now against CLOCK_BOOTTIME (a lease
  /// does not survive a suspend of the machine).
  [[nodiscard]] bool is_leader() const;
  /// The fencing token: the term of the leadership this node follows or holds.
  [[nodiscard]] std::uint64_t term() const;
  /// leader(), term(), is_leader() and the lease left, read together (see NodeLeadership).
  [[nodiscard]] NodeLeadership leadership() const;
  [[nodiscard]] std::vector<NodeMember> members() const;
  [[nodiscard]] NodeStatus status() const;
  [[nodiscard]] TransportStats stats() const;
  /// A copy of the configuration, taken under the node's lock, so it may be called while start()
  /// runs on another thread. Before start() returns it is the config given to the constructor;
  /// once start() has bound, `listen` is the bound address (a port 0 replaced by the real one).
  /// Nothing else changes after construction.
  [[nodiscard]] NodeConfig config() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace elector
