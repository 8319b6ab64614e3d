// The node's two clocks, and the readings of the process it passes to the core.
//
// The core runs on CLOCK_BOOTTIME, which keeps counting while the machine is suspended: a leader
// resumed from a suspend sees its lease ended, as its followers did, and the promises saved in the
// state file are measured on a clock that a restart of the process does not reset. Timers (the
// transport's, on steady_clock) and what the node reports (event instants, as `mono_now()` says)
// are on CLOCK_MONOTONIC, which stops during a suspend. Each input reads both (`Now`), and core
// instants are moved to CLOCK_MONOTONIC by the clocks' difference at that reading; the difference
// changes only across a suspend.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstdint>

#include "elector/time.hpp"

namespace elector {

/// One reading of both clocks.
struct Now {
  Time core;  // CLOCK_BOOTTIME: every instant given to or received from the core
  Time mono;  // CLOCK_MONOTONIC: timers and reported instants

  static Now read();
  /// A core instant on CLOCK_MONOTONIC.
  [[nodiscard]] Time to_mono(Time t) const { return t == kNever ? kNever : t - (core - mono); }
};

/// The CPU time this process used so far, in ms (0 if it cannot be read).
std::int64_t cpu_ms();

/// The wall clock in ns since the epoch: the floor of a new process's boot number.
std::uint64_t wall_ns();

}  // namespace elector
