// The workload of a chaos run: next to every node, `electorctl run -- sh -c COMMAND`, so that
// the command runs on the leader alone while the faults go on (docs/reliability.md, "Fenced
// writes on PostgreSQL").
//
// Each runner lives in its node's network namespace (if the run has them), as on a machine of its
// own: it reaches its node's control API on that namespace's loopback. What the command talks to
// (a database) it reaches over a unix socket, which the partitions do not cut: they cut the nodes
// from each other, not from the database. A runner that ends (its command exited by itself, or
// failed) is started again after a short pause, as a supervisor would. Faults that hit electord
// alone leave the runner to enforce the lease; a freeze of the whole node (freeze()) also stops the
// runner and its command, as a paused virtual machine would, and is what can make a stale write
// reach the database.
//
// Every start and end is written to the fault log ("workload_start", "workload_exit"), which the
// checker ignores.
//
// Thread safety: none; the harness calls it from its one thread. Call order: start_all() once,
// then housekeeping() often, freeze()/thaw() as the schedule says, shutdown() last.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fault_log.hpp"

namespace chaos {

struct WorkloadOptions {
  std::string command;  // given to sh -c
  std::string ctl;      // path to electorctl
  std::string log_dir;  // <dir>/logs: <node>.run.log
  int grace_ms = 100;   // electorctl run --grace
  int margin_ms = 50;   // electorctl run --margin
  std::int64_t restart_after_ms = 200;
};

class Workloads {
 public:
  /// `controls[i]` is node i's --control address (HOST:PORT), `netns[i]` the /run/netns/NAME file
  /// of its namespace ("" for none).
  Workloads(WorkloadOptions o, std::vector<std::string> names, std::vector<std::string> controls,
            std::vector<std::string> netns, FaultLog& log);

  void start_all();

  /// Reaps runners that ended and starts them again once restart_after_ms has passed.
  void housekeeping(std::int64_t now_ns);

  /// Stops node i's runner, then its command's process groups, with SIGSTOP; returns the PIDs
  /// stopped (runner first). Nothing when the runner is not running.
  std::vector<pid_t> freeze(int i);

  /// SIGCONT to what freeze(i) stopped: the command's groups first when `command_first`, else the
  /// runner first. Which of them runs first after a pause is up to the scheduler; the harness draws
  /// it from the seed.
  void thaw(int i, bool command_first);

  /// SIGTERM to every runner (it passes it on to its command), SIGKILL to what is left after
  /// `timeout_ms`, runner and command groups alike; reaps every runner.
  void shutdown(std::int64_t timeout_ms);

 private:
  struct Runner {
    pid_t pid = 0;
    int incarnation = -1;
    std::int64_t down_since = 0;
    std::vector<pid_t> frozen;  // what freeze() stopped, runner first
  };
  void start(int i);
  void reap(int i, int status, std::int64_t now_ns);

  WorkloadOptions o_;
  std::vector<std::string> names_;
  std::vector<std::string> controls_;
  std::vector<std::string> netns_;
  FaultLog& log_;
  std::vector<Runner> runners_;
  bool stopping_ = false;
};

/// The children of `parent`, read from /proc (each is a command the runner started in its own
/// process group).
std::vector<pid_t> children_of(pid_t parent);

}  // namespace chaos
