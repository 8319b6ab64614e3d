// What a node must keep across a restart for the safety argument to hold (docs/design.md §7),
// and how a starting node came by it.
//
// The core never writes a file: each step's Ready says what to save (Ready::save), the caller
// saves it (write, fsync, rename, fsync the directory) before any message of that step leaves,
// and reports the outcome (NodeCore::saved). A node whose save failed neither votes, nor
// acknowledges heartbeats, nor leads, until a save succeeds.
#pragma once

#include <cstdint>

#include "elector/time.hpp"

namespace elector::core {

struct DurableState {
  /// The highest term seen or voted in: a restarted voter never votes twice in one term.
  std::uint64_t term = 0;
  /// No promise this node gave (a vote, a watcher's acknowledgement) binds it past this instant,
  /// on the node's own clock. The clock must keep counting across a restart of the process (the
  /// daemon uses CLOCK_BOOTTIME, and drops this when the machine itself restarted).
  Time bound_until{};
  /// The most voters (this node and the members with its settings) it has known at once, less
  /// those that left gracefully: what the default quorum is a majority of.
  std::uint32_t cluster_size = 0;

  friend bool operator==(const DurableState&, const DurableState&) = default;
};

/// What a starting process knows of its past.
enum class Recall {
  /// It never ran before (no state was ever saved): it owes nothing to anyone.
  first_start,
  /// It read the state its previous process saved.
  kept,
  /// It ran before but its state is gone: it keeps quiet for the longest binding any promise can
  /// carry (Timing::quiet_after_loss).
  lost,
};

struct Past {
  Recall recall = Recall::first_start;
  DurableState state;
};

}  // namespace elector::core
