// What a chaos run recorded: the harness's fault log and every process's event log, read into
// plain values for the checker.
//
// The fault log (written by elector-chaos, one JSON object per line, `t_mono_ns` on
// CLOCK_MONOTONIC read right before the system call that made the fault):
//   run_start  seed, nodes [names], quorum_size, heartbeat_interval_ms, netns
//   start      node, incarnation, pid, event_log (path relative to the fault log's directory)
//   kill | term | freeze | thaw   node, incarnation, pid  (kill may carry "why":"stop_timeout")
//   exit       node, incarnation, pid, signal or code (when the harness reaped the process)
//   partition  groups [[names],[names]], done_ns (when every rule was in place)
//   heal       done_ns (when every rule was gone)
//   final_heal, run_end; quorum_connected / quorum_lost and skipped are informational
//
// Thread safety: values only; the functions are pure except load_run (reads files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace chaos {

/// One line of a node's event log, with the fields the checker uses.
struct NodeEvent {
  std::int64_t t = 0;  // t_mono_ns
  std::string event;
  std::optional<std::string> leader;  // leader_changed, election_finished (nullopt: none)
  std::optional<std::uint64_t> term;
  std::int64_t effective = 0;  // leadership_lost: effective_mono_ns
  std::string reason;
};

struct Freeze {
  std::int64_t from = 0;
  std::optional<std::int64_t> to;  // thaw; nullopt: never thawed (killed while frozen)
};

struct Exit {
  std::int64_t t = 0;  // when the harness reaped it (an upper bound of the real end)
  bool signaled = false;
  int value = 0;  // signal number or exit code
};

/// One electord process: a node's name is reused by every restart, a process is not.
struct Process {
  std::string node;
  int incarnation = 0;
  std::int64_t pid = 0;
  std::int64_t started = 0;
  std::string event_log;
  std::vector<NodeEvent> events;           // in file order
  std::optional<std::int64_t> killed;      // SIGKILL sent by the harness
  std::optional<std::int64_t> terminated;  // SIGTERM sent by the harness
  bool stop_timed_out = false;             // SIGKILLed because SIGTERM did not end it
  std::vector<Freeze> freezes;
  std::optional<Exit> exit;

  /// From when the process no longer counts as up: SIGKILL, SIGTERM or its exit.
  [[nodiscard]] std::optional<std::int64_t> down_from() const;
  [[nodiscard]] bool frozen_at(std::int64_t t) const;
};

/// A network cut: two groups, from the first rule until every rule was flushed.
struct Cut {
  std::int64_t from = 0;
  std::int64_t to = INT64_MAX;
  std::vector<std::vector<std::string>> groups;
};

struct RunLog {
  std::uint64_t seed = 0;
  std::vector<std::string> nodes;
  int quorum_size = 1;
  std::int64_t heartbeat_ms = 100;
  bool netns = false;
  std::int64_t start = 0;
  std::optional<std::int64_t> final_heal;
  std::int64_t end = 0;  // run_end, or the last instant any log mentions
  bool ended = false;    // run_end was logged
  std::vector<Process> procs;
  std::vector<Cut> cuts;
  std::map<std::string, int> faults;  // kill, term, freeze, partition, ... by count
  std::vector<std::string> problems;  // lines that could not be read, inconsistencies
};

/// Reads the fault log's lines (event logs not attached).
RunLog parse_fault_log(const std::vector<std::string>& lines);

/// Parses one node event log line; nullopt (and a problem) when it is not one.
std::optional<NodeEvent> parse_event(const std::string& line, std::string& problem);

/// Attaches an event log's lines to `p` and moves `run.end` past its last line.
void attach_events(RunLog& run, Process& p, const std::vector<std::string>& lines);

/// Reads the fault log at `path` and every event log it names.
RunLog load_run(const std::filesystem::path& fault_log);

}  // namespace chaos
