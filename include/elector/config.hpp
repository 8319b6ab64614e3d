// Settings of a node's election and membership protocol.
//
// Names match the configuration keys of electord (snake_case here, kebab-case on a command
// line). The election settings (see `election_settings_hash`) must be the same on every node;
// a node that sees a member with different ones reports it and refuses to vote for it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "elector/export.hpp"
#include "elector/strategy.hpp"
#include "elector/time.hpp"

namespace elector {

enum class HooksExecution { local, global };

/// Tuning of the SWIM-style membership protocol. Defaults follow hashicorp/memberlist's LAN
/// profile; they rarely need changing.
struct MembershipTuning {
  Duration probe_interval = ms(1000);
  Duration probe_timeout = ms(500);
  int indirect_checks = 3;
  int suspicion_mult = 4;
  int suspicion_max_timeout_mult = 6;
  int retransmit_mult = 4;
  int awareness_max = 8;
  /// Anti-entropy: full state exchange with one random member, scaled up with log(N).
  Duration push_pull_interval = ms(15000);
  /// How often a dead member is contacted again (heals partitions), and seeds retried when alone.
  Duration reconnect_interval = ms(2000);
  /// How long a dead member is remembered before it is forgotten.
  Duration dead_reap = ms(120000);
  /// Most membership updates piggybacked on one message (16 keep a gossip datagram under ~1,400
  /// bytes, the size of one Ethernet frame).
  int max_piggyback = 16;
  /// Most updates waiting to be gossiped; beyond it the most-sent are dropped (anti-entropy heals).
  int max_broadcast_queue = 512;
  Duration join_retry_min = ms(100);
  Duration join_retry_max = ms(5000);
};

struct Config {
  std::string name;
  /// Address this node listens on (HOST:PORT, an IPv6 host in brackets; port 0: any free one).
  /// Opaque to the core (the transport gives it meaning).
  std::string listen;
  /// Address the members are told to reach this node at, when it is not `listen`: `listen` binds
  /// every address (0.0.0.0, [::]), or the node is behind NAT or in a container. Port 0: the port
  /// `listen` bound. Empty: `listen` as bound. Never an address that names every address: the
  /// members could not reach it (validate() says so).
  std::string advertise;
  std::vector<std::string> seeds;
  /// The address of this node's control API, gossiped so that tools can reach every member's
  /// API. Opaque to the protocol; empty if there is none.
  std::string control;

  std::string strategy = "uptime_high";
  /// Used instead of `strategy` when set (a custom strategy); its name() goes into the settings.
  std::shared_ptr<const Strategy> custom_strategy;
  std::int64_t priority = 0;
  Duration election_delay = ms(1000);
  /// How many members (this node included) must back a leader. 0, the default, is a majority of
  /// the cluster's known size (the most voters known at once, kept across restarts, never lowered
  /// by the cluster itself; or `cluster_size` if larger): then no partition can give two leaders.
  /// An explicit value at or below half the cluster is availability mode (docs/design.md §7).
  int quorum_size = 0;
  /// The number of voters the cluster is meant to have (0: none declared). With the default
  /// quorum, a majority of it is needed from the first second, so that even a cold start split in
  /// two elects at most one leader.
  int cluster_size = 0;
  bool candidate_node = true;
  /// Where the hooks of an election run (every node, or the initiator only): part of the
  /// protocol, so every node must agree. What a hook runs is the application's
  /// (NodeCallbacks::pre_election and post_election; electord's hook commands).
  HooksExecution hooks_execution = HooksExecution::local;
  bool automatic_elections = true;
  /// How long the node waits for the application's hook callbacks before it goes on (a leader
  /// holds its followers' election this long at most).
  Duration hook_timeout = ms(1000);
  /// T: the leader heartbeats every T; a follower declares it lost after 4T without one.
  Duration heartbeat_interval = ms(100);
  /// How many of the best-ranked other candidates the leader heartbeats every T (its
  /// *watchers*, together with the supporters its lease needs when quorum_size > 1): they must
  /// notice a frozen leader within 4T and take over. Every other member is heartbeated every
  /// `far_heartbeat_interval` only, so a big cluster's idle cost does not grow with N per T. A
  /// cluster in which every other member is a watcher behaves as if there were no far members.
  int heartbeat_watchers = 4;
  /// How often the leader heartbeats a member that is not a watcher; zero means 10 T (1 s with
  /// the default T) times big_cluster_factor() of the members in view (3 s at 450 members).
  /// Heartbeats carry it, so followers need not be configured alike.
  Duration far_heartbeat_interval = Duration::zero();

  MembershipTuning membership;
};

struct ConfigError {
  std::string key;
  std::string value;
  std::string message;
};

/// Checks values and their combinations. Empty when the config is usable.
ELECTOR_API std::vector<ConfigError> validate(const Config& c);

/// The address the members are told to reach this node at, once `listen` is bound to `bound`
/// (HOST:PORT): `advertise`, with a port 0 replaced by the bound port; `bound` when it is empty.
ELECTOR_API std::string advertised_address(const Config& c, const std::string& bound);

/// The strategy `c` names (custom one first). Null when the name is unknown (validate says so).
ELECTOR_API std::shared_ptr<const Strategy> strategy_of(const Config& c);

/// `far_heartbeat_interval`, or 10 T when it is zero (before big_cluster_factor()).
ELECTOR_API Duration far_heartbeat_interval(const Config& c);

/// 1 up to 128 members, then one more per doubling (2 at 129-256, 3 at 257-512, 4 at
/// 513-1,024): how much slower a big cluster's per-member idle traffic (probes, far heartbeats)
/// runs, so that what one member costs per second stays flat while the time to notice a
/// member's failure grows with log N, as SWIM's suspicion timeout already does.
ELECTOR_API int big_cluster_factor(std::size_t members);

/// A hash of the settings that every node of a cluster must share (strategy, quorum_size,
/// election_delay, heartbeat_interval, hooks_execution, automatic_elections). Stable
/// across builds and machines.
ELECTOR_API std::uint64_t election_settings_hash(const Config& c);

ELECTOR_API const char* to_string(HooksExecution h);
ELECTOR_API std::optional<HooksExecution> hooks_execution_from(std::string_view s);

}  // namespace elector
