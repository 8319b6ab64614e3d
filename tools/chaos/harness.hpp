// The chaos harness: starts N electord processes (each in its own network namespace, unless
// partitions are switched off; a run that cannot make the namespaces fails), plays the seed's fault
// schedule against them, heals everything, waits a quiet period and stops every process it started.
// Everything it does goes to <dir>/faults.jsonl with CLOCK_MONOTONIC times; each process writes its
// own event log under <dir>/events/ and its stderr under <dir>/logs/.
//
// Thread safety: one Harness runs on one thread; request_stop() may be called from a signal
// handler.
#pragma once

#include <cstdint>
#include <string>

namespace chaos {

struct HarnessOptions {
  int nodes = 5;
  int quorum_size = 0;            // 0: electord's default (a majority of the known size)
  std::int64_t duration_s = 60;   // the whole run: faults, final heal and quiet period
  std::int64_t quiet_s = 10;      // after the final heal, no fault
  std::int64_t warmup_ms = 3000;  // before the first fault
  std::uint64_t seed = 1;
  std::string bin_dir;  // holds electord
  std::string dir;      // output directory (created)
  int heartbeat_ms = 50;
  int election_delay_ms = 200;
  int base_port = 26000;   // without namespaces node i listens on base_port + i + 1
  bool partitions = true;  // false: no namespaces, no partitions
  std::int64_t stop_timeout_ms = 10000;
  std::string strategy = "priority";
  // Non-empty: `electorctl run -- sh -c workload` next to every node (workload.hpp), and a freeze
  // stops the whole node (electord, runner, command) one time in whole_node_freeze_one_in.
  std::string workload;
  int workload_grace_ms = -1;   // electorctl run --grace; -1: its default
  int workload_margin_ms = -1;  // electorctl run --margin; -1: its default
  int whole_node_freeze_one_in = 2;
};

/// Runs the whole chaos run; 0 when it ran to its end (violations are the checker's to find),
/// 1 when it could not run (no network namespaces while partitions are on) or was interrupted.
int run_harness(const HarnessOptions& o);

/// Makes run_harness() stop the faults and shut down (async-signal-safe).
void request_stop();

}  // namespace chaos
