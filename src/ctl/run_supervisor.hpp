// The decisions of `electorctl run` (docs/electorctl-run.md): when to start the command, when to
// stop it, when to ask the node again, and what to exit with. Pure: no clock reads, sleeps,
// signals or syscalls. The shell (run_cmd.cpp) reads the clock, feeds the inputs in, and carries
// the actions out in the order given.
//
// Instants are milliseconds on one monotonic clock chosen by the caller (the shell uses
// CLOCK_BOOTTIME, the clock of the node's leases). Every input carries `now`, which never goes
// back.
//
// States:
//   waiting   no command runs; the node is asked every `idle_poll` whether it leads.
//   running   the command runs for `term`; the node is asked every lease_left/4, or twice
//             before the stop deadline if that is sooner (no more often than every `min_poll`);
//             each answer that still says "leads, same term" pushes the
//             deadlines:
//               safe = send time + lease_left − margin   (SIGKILL at the latest here)
//               stop = safe − grace                     (SIGTERM here unless renewed)
//             Counting from the send time keeps `safe` no later than the lease's real end.
//   stopping  SIGTERM (or the runner's own signal) went to the command's group; SIGKILL follows
//             at min(sent + grace, safe), so a command that ignores SIGTERM is still gone by
//             `safe`. Polls go on.
//   done      an exit action was given; every later input gives nothing.
//
// Transitions:
//   waiting  + answer "leads, term t" with stop > now        -> start (env: t, node, stop); running
//   running  + timer at stop (no renewal, or node unreachable) -> SIGTERM; stopping (lease)
//   running  + answer "does not lead" or another term        -> SIGTERM now; stopping (lease)
//   running  + command exits by itself                       -> SIGKILL group, exit with its code
//   stopping + command exits, for the lease                  -> SIGKILL group, poll now; waiting
//   stopping + command exits, for a signal                   -> SIGKILL group, exit with its code
//   waiting  + stop signal S                                  -> exit 128+S
//   running  + stop signal S                                  -> S to the group; stopping (signal)
//   stopping + stop signal                                    -> exits after the command; a second
//                                                               signal sends SIGKILL at once
// The SIGKILL after the command's own exit reaches what is left of its process group
// (grandchildren), so nothing it started outlives the lease or the runner.
//
// Call order: start() once, then any of the on_* inputs. At most one poll is in flight: after a
// poll action, the next poll comes only after on_answer or on_poll_failed. on_child_exited is
// called while the exited command is not yet reaped (its process group id still names its
// group); the shell reaps it after carrying out the actions returned.
//
// Thread safety: none; one thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace elector::ctl {

using RunInstant = std::chrono::milliseconds;  // since the caller's clock's epoch
using RunDuration = std::chrono::milliseconds;

struct RunSettings {
  RunDuration margin{30};      // kept off the lease's end: wake-up delay, signal delivery, exit
  RunDuration grace{50};       // between SIGTERM and SIGKILL
  RunDuration idle_poll{100};  // poll period when not running the command, or after a failure
  RunDuration min_poll{10};    // floor of the poll period while running it
};

/// One answer of GET /v1/leader, as the supervisor needs it.
struct LeaderAnswer {
  bool is_leader = false;
  std::uint64_t term = 0;
  std::int64_t lease_left_ms = 0;
  std::string leader;  // the leader's name ("" when none); this node's name when it leads
};

/// How the command ended, as waitid reported it.
struct ChildStatus {
  bool signaled = false;  // killed by a signal (value) rather than exited with a code (value)
  int value = 0;

  /// The shell's convention: the exit code, or 128 + the signal.
  int exit_code() const { return signaled ? 128 + value : value; }
};

struct RunAction {
  enum class Kind {
    start,   // start the command with term, node and deadline (the first stop instant)
    signal,  // send `signal` to the command's process group
    kill,    // send SIGKILL to the command's process group
    poll,    // ask the node (GET /v1/leader) now; note the send time
    wake,    // call on_timer at `at` (replaces any earlier wake)
    exit,    // exit with `code`
  };
  enum class Why { none, deadline, not_leader, term_changed, stop_signal, grace_over, exited };

  Kind kind = Kind::poll;
  Why why = Why::none;
  std::uint64_t term = 0;  // start
  std::string node;        // start
  RunInstant at{0};        // start: the stop deadline; wake: when
  int signal = 0;          // signal
  int code = 0;            // exit

  friend bool operator==(const RunAction&, const RunAction&) = default;
};

class RunSupervisor {
 public:
  enum class State { waiting, running, stopping, done };

  explicit RunSupervisor(RunSettings settings);

  std::vector<RunAction> start(RunInstant now);
  /// An answer to the poll sent at `sent`.
  std::vector<RunAction> on_answer(RunInstant now, RunInstant sent, const LeaderAnswer& answer);
  /// The poll got no usable answer (unreachable, timeout, HTTP error, malformed).
  std::vector<RunAction> on_poll_failed(RunInstant now);
  std::vector<RunAction> on_child_exited(RunInstant now, ChildStatus status);
  std::vector<RunAction> on_timer(RunInstant now);
  /// SIGTERM, SIGINT or SIGHUP to the runner (its number: forwarded as is).
  std::vector<RunAction> on_stop_signal(RunInstant now, int signo);

  State state() const { return state_; }
  std::uint64_t term() const { return term_; }
  /// The instants of the running command's lease (meaningful in running and stopping).
  RunInstant stop_at() const { return stop_at_; }
  RunInstant safe_at() const { return safe_at_; }

 private:
  void stop(RunInstant now, int signo, RunAction::Why why, std::vector<RunAction>& out);
  void schedule_poll(RunInstant at);
  /// The common tail of every input: deadlines that passed, the next poll, the next wake.
  std::vector<RunAction> settle(RunInstant now, std::vector<RunAction> out);

  RunSettings settings_;
  State state_ = State::waiting;
  std::uint64_t term_ = 0;
  RunInstant stop_at_{0};
  RunInstant safe_at_{0};
  RunInstant kill_at_{0};
  bool killed_ = false;
  bool for_signal_ = false;  // stopping: exit once the command is gone
  bool poll_in_flight_ = false;
  RunInstant next_poll_{0};
};

}  // namespace elector::ctl
