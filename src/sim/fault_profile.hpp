// A fault profile: which kinds of fault a run injects, how often, how long they last and
// whether some are aimed at fresh leaders and campaigns. Swarm testing: each seed draws its own
// profile (draw_profile), weighting the kinds differently and switching some off, so that a rare
// combination is common in some seeds instead of diluted in all of them. Pure functions of their
// arguments.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "elector/time.hpp"

namespace elector::sim {

enum class FaultKind {
  crash,         // kill -9, seen by the transport; started again after the outage
  crash_silent,  // the host vanishes: no signal; started again after the outage
  freeze,        // SIGSTOP of one node; SIGCONT after the outage
  stop,          // SIGTERM (hands over, leaves); started again after the outage
  partition,     // two groups that do not hear each other
  loss,          // a burst of message loss
  restart,       // kill (signal or not) and a supervisor's start soon after (up to max_down)
  freeze_many,   // SIGSTOP of 2 or more nodes at once
  one_way,       // one group's messages to another are lost, not the other way
  latency,       // a burst of latency (an overloaded network): answers come late
};
inline constexpr std::size_t kFaultKinds = 10;
const char* to_string(FaultKind k);

struct FaultProfile {
  std::string name = "classic";
  /// Relative odds of each kind (indexed by FaultKind); 0 switches a kind off.
  std::array<int, kFaultKinds> weight{};
  Duration min_gap = ms(50);  // between two faults at random instants
  Duration max_gap = ms(1500);
  Duration max_outage = ms(4000);  // longest a fault lasts before it is repaired (at least 20 ms)
  /// Probability that a leadership acquired is followed, within `react_within`, by 1 to
  /// `aimed_burst` faults aimed at it: a node other than the leader for the node faults (most of
  /// them voted for it), the leader on the first side for partitions.
  double after_election = 0;
  int aimed_burst = 1;
  /// Probability that a campaign's start (its first pre-vote or vote request delivered) is
  /// followed, within T/2, by a burst of latency or loss that makes it likely to time out, so
  /// that the next campaign is longer (one such burst at a time).
  double after_campaign = 0;
  Duration react_within = ms(300);
  /// How partitions and one-way cuts split the cluster: by a coin per node, or the first side
  /// of a size drawn uniformly in [1, N-1] (a lone node cut off is then as likely as a split in
  /// halves).
  bool split_by_size = false;
  /// Whether each partition is its own set of cut links, repaired alone, so that overlapping
  /// partitions add up; otherwise (classic) a partition replaces the one in force and its
  /// repair heals every partition and cut.
  bool separate_cuts = false;
  int max_loss_pct = 40;         // a loss burst drops 5 % to this
  Duration max_latency = ms(2);  // a latency burst delays messages up to this (2 ms: none)
  Duration max_down = ms(500);   // a restarted node is down 1 ms to this
  [[nodiscard]] std::string describe() const;
};

/// The fixed mix of earlier versions: crash, crash-silent, freeze, stop, partition and loss,
/// equally likely, every 50-1500 ms, each repaired after 20 ms-4 s. Nothing aimed.
FaultProfile classic_profile();
/// A swarm profile drawn from `seed` for a cluster whose heartbeat interval is `t` (one seed in
/// eight draws `classic`).
FaultProfile draw_profile(std::uint64_t seed, Duration t);

enum class ProfileMode { classic, swarm };
const char* to_string(ProfileMode m);

}  // namespace elector::sim
