// The checks of a chaos run: no two leaderships at once, terms that never go back, no crash,
// and how long a connected quorum went without a leader.
//
// A leadership starts at `leadership_acquired` and ends at its `leadership_lost`'s
// effective_mono_ns (in the past when the lease ran out while the process was frozen). A process
// that logged no end ends its leadership when the harness SIGKILLed it, or, if it was frozen
// then, when it was frozen (a stopped process answers nothing, and after a thaw it would have
// found its lease over); when it exited otherwise, at the exit the harness saw; else at the end
// of the run.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run_log.hpp"

namespace chaos {

struct Leadership {
  std::string node;
  int incarnation = 0;
  std::uint64_t term = 0;
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::string end;  // the loss reason, or killed / killed_frozen / exited / run_end
};

struct Overlap {
  Leadership a, b;
  std::int64_t ns = 0;  // how long both held
};

struct TermRegression {
  std::string node;
  int incarnation = 0;
  std::int64_t t = 0;
  std::string event;
  std::uint64_t before = 0;  // the highest term this process had logged
  std::uint64_t after = 0;
};

/// Two leaderships, in the order they were acquired, whose terms do not grow.
struct TermOrder {
  Leadership earlier, later;
};

struct Crash {
  std::string node;
  int incarnation = 0;
  std::int64_t pid = 0;
  std::int64_t t = 0;
  std::string how;  // "signal 11", "exit code 1", "did not stop after SIGTERM", "never reaped"
};

/// A stretch of time, as offsets from the start of the run.
struct Stretch {
  std::int64_t ns = 0;
  std::int64_t at = 0;  // when it began, from the run's start
};

struct Report {
  std::vector<Leadership> leaderships;
  std::vector<Overlap> overlaps;
  std::vector<TermRegression> regressions;
  std::vector<TermOrder> term_order;
  std::vector<Crash> crashes;
  std::map<std::string, int> losses;  // leadership_lost reasons (and how unlogged ends ended)
  int processes = 0;
  int election_events = 0;         // election_started lines over every node
  Stretch longest_leaderless;      // no leader while a quorum was up and connected
  Stretch longest_unagreed;        // no leader every up node of its side names, with a quorum
  std::int64_t quorum_ns = 0;      // total time a quorum was up and connected
  std::int64_t leaderless_ns = 0;  // of which without a leader
  bool agreed_at_end = false;
  std::string end_leader;
  /// From the final heal to the first agreed leader (nullopt: none came, or no final heal).
  std::optional<std::int64_t> agreed_after_final_heal_ns;
  /// The share of the time from the final heal to run_end with an agreed leader.
  double quiet_agreed_share = 0;
  /// Liveness: with a final heal, an agreed leader came and held at least half of the quiet
  /// period (a brief false suspicion near its end is not a liveness failure); without one (an
  /// aborted run), an agreed leader at the end.
  bool live = false;
  std::vector<std::string> problems;
  /// quorum_size > nodes / 2. Otherwise (availability mode, docs/design.md §7) two leaders and
  /// terms out of order are allowed and reported only.
  bool majority = true;

  /// Overlaps and terms out of order (with a majority quorum), term regressions, crashes, and
  /// one if the run was not live at its end.
  [[nodiscard]] int violations() const;
};

/// The leaderships of every process, sorted by start.
std::vector<Leadership> leaderships_of(const RunLog& run);

/// Every check over the run.
Report check(const RunLog& run);

}  // namespace chaos
