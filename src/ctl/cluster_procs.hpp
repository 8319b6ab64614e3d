// The processes of a local cluster: starting electord detached, signalling it, telling whether
// it still runs.
//
// A pid file can outlive its process and the pid can be reused by an unrelated program, so a
// pid counts as a box only while /proc/PID/cmdline still carries "--name boxK": electorctl never
// signals a process that is not the box it expects.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace elector::ctl {

enum class ProcState {
  running,
  stopped,  // SIGSTOPped (frozen)
  dead,     // gone, a zombie, or the pid now belongs to another program
};

const char* to_string(ProcState state);

/// The state of `pid` if it is the electord of box `name`.
ProcState process_state(pid_t pid, std::string_view name);

/// A child started by start_detached whose exec has not been confirmed yet.
class PendingSpawn {
 public:
  PendingSpawn(pid_t pid, int report_fd, std::string program, std::string cwd, std::string log);
  PendingSpawn(PendingSpawn&& other) noexcept;
  PendingSpawn& operator=(PendingSpawn&&) = delete;
  PendingSpawn(const PendingSpawn&) = delete;
  PendingSpawn& operator=(const PendingSpawn&) = delete;
  ~PendingSpawn();

  pid_t pid() const { return pid_; }
  /// Blocks until the child has exec'd; throws Failure (and reaps the child) if it could not.
  void await_exec();

 private:
  pid_t pid_;
  int report_fd_;  // -1 once awaited
  std::string program_;
  std::string cwd_;
  std::string log_;
};

/// Starts argv (argv[0] = absolute path) in its own session, in `cwd`, with stdin from /dev/null
/// and stdout+stderr appended to `log` (truncated first when `truncate_log`), so it survives
/// electorctl. Returns at once; await_exec() tells whether exec succeeded (a missing binary, an
/// unusable cwd, ...), so that many children can start without waiting for each in turn. Call
/// only while this process has a single thread: the child runs between fork and exec.
PendingSpawn start_detached(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                            const std::filesystem::path& log, bool truncate_log);

/// start_detached, then await_exec; returns the pid.
pid_t spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                     const std::filesystem::path& log, bool truncate_log);

struct ExitedChild {
  pid_t pid = 0;
  int code = 0;  // the exit code, or 128 + the signal number when killed by a signal
};
/// Reaps one child of this process that has exited, if any (never blocks).
std::optional<ExitedChild> reap_exited_child();

/// Raises this process's soft RLIMIT_NOFILE to its hard limit; children inherit it.
void raise_open_files_limit();

/// kill(pid, sig); false if the process does not exist.
bool send_signal(pid_t pid, int sig);

/// Polls (every ~10 ms) until every pid in `pids` is no longer box `names[i]`'s running or
/// stopped process, or `limit` passes. Returns the indexes of those still there.
std::vector<std::size_t> wait_until_gone(const std::vector<pid_t>& pids,
                                         const std::vector<std::string>& names,
                                         std::chrono::milliseconds limit);

/// Polls until box `name`'s process is in `state`, or `limit` passes; true if it got there.
bool wait_for_state(pid_t pid, std::string_view name, ProcState state,
                    std::chrono::milliseconds limit);

/// The first executable `name` in the directories of PATH, as a shell would find it (absolute).
std::optional<std::filesystem::path> search_path(const std::string& name);

/// The electord binary: `explicit_path` if given (--electord or ELECTORD), else the electord
/// next to this executable, else the first electord on PATH. Returns an absolute path; throws
/// Failure if there is none or it is not executable.
std::string find_electord(const std::optional<std::string>& explicit_path);

}  // namespace elector::ctl
