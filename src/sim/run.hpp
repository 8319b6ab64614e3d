// One checked run of a simulated cluster, as `elector-sim` does it: start every node, let them
// elect, inject faults for 60 % of the time left (when asked), heal only a majority drawn from the
// seed (the others stay crashed or partitioned away) and check that it agrees on one of its own
// as leader within a bound, then heal everything, and check that one leader is agreed within a
// bound after healing and again at the end. The tests run the same procedure, so
// the command line they print for a failing seed (RunSpec::command()) replays it exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/cluster.hpp"
#include "sim/faults.hpp"

namespace elector::sim {

/// The parameters of elector-sim, with its defaults.
struct RunSpec {
  int nodes = 5;
  std::uint64_t seed = 1;
  int quorum = 1;
  std::string strategy = "uptime_high";
  std::int64_t duration_ms = -1;  // -1: 10000, or 40000 with faults
  std::int64_t heartbeat_ms = 100;
  std::int64_t election_delay_ms = 1000;
  double loss = 0;
  /// One-way latency of every message, drawn in [min, max] ms; negative: the cluster's default
  /// (0.2-2 ms, a loopback on a busy machine).
  double latency_min_ms = -1;
  double latency_max_ms = -1;
  /// Stream messages meet loss as over TCP: retransmitted after 200 ms (doubling), in order.
  bool tcp = false;
  std::int64_t stagger_us = -1;  // -1: 2 s spread over the nodes, between 50 us and 1 ms
  bool faults = false;
  ProfileMode profile = ProfileMode::swarm;
  std::optional<ClockSkew> clock;  // unset: within the bound with faults, none without

  [[nodiscard]] std::int64_t duration() const;
  [[nodiscard]] ClockSkew clock_skew() const;
  [[nodiscard]] Duration stagger() const;
  /// The elector-sim command line that replays this run.
  [[nodiscard]] std::string command() const;
};

/// The cluster's options for `s`.
Options cluster_options(const RunSpec& s);

struct RunResult {
  FaultLog log;                       // empty without faults
  std::vector<std::string> liveness;  // liveness failures (the invariants are in the cluster)
  /// From healing a majority only to that majority's agreed leader, and that leader (faults).
  std::optional<Duration> quorum_agreed_after;
  std::string quorum_agreed_on;
  std::optional<Duration> agreed_after;  // from healing all (or the start) to an agreed leader
  std::string agreed_on;                 // that leader
  Time window_start{};                   // the last 5 s (at most half the run): the idle window
  Stats at_window;                       // the cluster's counters when the window began
  /// Invariant violations and liveness failures, in that order.
  [[nodiscard]] std::vector<std::string> failures(const Cluster& c) const;
};

/// Runs `c` (built from cluster_options(s), not started) through `s`'s whole run.
RunResult run(Cluster& c, const RunSpec& s);

}  // namespace elector::sim
