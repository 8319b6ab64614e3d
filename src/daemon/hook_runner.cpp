#include "daemon/hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

namespace elector::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// The wait-status macros expand to C casts in some C libraries; keep the warning local.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wsign-conversion"
bool exited(int status) {
  return WIFEXITED(status);
}
int exit_code(int status) {
  return WEXITSTATUS(status);
}
bool signaled(int status) {
  return WIFSIGNALED(status);
}
int term_signal(int status) {
  return WTERMSIG(status);
}
#pragma GCC diagnostic pop

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

/// Milliseconds until `deadline`, rounded up so that a wait never ends just before it.
int ms_until(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

pid_t reap(pid_t pid, int& status) {
  pid_t r = 0;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r;
}

/// The daemon's environment without the secret and without stale hook variables, plus this
/// hook's variables.
std::vector<std::string> hook_environment(const std::string& node,
                                          const elector::HookRequest& req) {
  static constexpr const char* kOurs[] = {
      "ELECTOR_NODE=",  "ELECTOR_LEADER=",   "ELECTOR_TERM=",  "ELECTOR_ROLE=",
      "ELECTOR_EVENT=", "ELECTOR_ELECTION=", "ELECTOR_COOKIE="};
  std::vector<std::string> env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
    const std::string_view entry(*p);
    bool skip = false;
    for (const char* prefix : kOurs) skip = skip || entry.rfind(prefix, 0) == 0;
    if (!skip) env.emplace_back(entry);
  }
  const bool pre = req.phase == elector::HookRequest::Phase::pre;
  env.push_back("ELECTOR_NODE=" + node);
  env.push_back("ELECTOR_LEADER=" + req.leader.value_or(""));
  env.push_back("ELECTOR_TERM=" + std::to_string(req.term));
  env.push_back(std::string("ELECTOR_ROLE=") + (req.is_leader ? "leader" : "follower"));
  env.push_back(std::string("ELECTOR_EVENT=") + (pre ? "pre_election" : "post_election"));
  env.push_back("ELECTOR_ELECTION=" + std::to_string(req.election));
  return env;
}

const char* phase_name(elector::HookRequest::Phase p) {
  return p == elector::HookRequest::Phase::pre ? "pre_election" : "post_election";
}

}  // namespace

const char* to_string(HookResult::Outcome o) {
  switch (o) {
    case HookResult::Outcome::ok:
      return "ok";
    case HookResult::Outcome::failed:
      return "failed";
    case HookResult::Outcome::signaled:
      return "signaled";
    case HookResult::Outcome::timed_out:
      return "timed_out";
    case HookResult::Outcome::spawn_failed:
      return "spawn_failed";
    case HookResult::Outcome::stopped:
      return "stopped";
  }
  return "?";
}

HookRunner::HookRunner(HookRunnerOptions opts) : opts_(std::move(opts)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    // Without it stop() still works: the fallback wait polls the stop flag.
    spdlog::warn("hooks: eventfd: {}", std::strerror(errno));
  }
}

HookRunner::~HookRunner() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HookRunner::enqueue(const elector::HookRequest& request,
                         const std::vector<std::string>& commands) {
  if (commands.empty()) return;
  std::unique_lock lock(mu_);
  if (stopping_) return;
  const std::uint64_t first = queued_ + 1;
  for (const auto& cmd : commands) {
    if (jobs_.size() >= opts_.max_pending) {
      spdlog::warn("hooks: {} waiting, dropping the oldest ({} hook of election {}: {})",
                   jobs_.size(), phase_name(jobs_.front().request.phase),
                   jobs_.front().request.election, jobs_.front().command);
      started_ = std::max(started_, jobs_.front().seq);
      jobs_.pop_front();
      started_cv_.notify_all();
    }
    jobs_.push_back(Job{request, cmd, ++queued_});
  }
  // Started with the first hook: a daemon without hooks keeps no thread for them.
  if (!thread_.joinable()) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "elector-hooks");  // shown by top -H and /proc
      run();
    });
  }
  cv_.notify_one();
  if (request.phase != elector::HookRequest::Phase::pre) return;
  // The node sends this election's campaign or vote once we return (docs/design.md §6): the
  // hook starts first, and the election waits for it no longer than a hook may run.
  started_cv_.wait_for(lock, opts_.timeout, [&] { return stopping_ || started_ >= first; });
}

void HookRunner::mark_started(std::uint64_t seq) {
  {
    const std::lock_guard lock(mu_);
    started_ = std::max(started_, seq);
  }
  started_cv_.notify_all();
}

void HookRunner::stop() {
  const std::lock_guard join_lock(join_mu_);
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  started_cv_.notify_all();
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void HookRunner::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) {
      if (!jobs_.empty()) spdlog::debug("hooks: stopping, {} not run", jobs_.size());
      jobs_.clear();
      return;
    }
    const Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    const HookResult r = run_one(job);
    switch (r.outcome) {
      case HookResult::Outcome::ok:
        spdlog::debug("hook ok ({}, election {}, {} ms): {}", phase_name(r.phase), r.election,
                      elector::to_ms(r.took), r.command);
        break;
      case HookResult::Outcome::failed:
        spdlog::warn("hook failed with exit code {} ({}, election {}): {}", r.code,
                     phase_name(r.phase), r.election, r.command);
        break;
      case HookResult::Outcome::signaled:
        spdlog::warn("hook killed by signal {} ({}, election {}): {}", r.code, phase_name(r.phase),
                     r.election, r.command);
        break;
      case HookResult::Outcome::timed_out:
        spdlog::warn("hook killed after the hook timeout of {} ms ({}, election {}): {}",
                     elector::to_ms(opts_.timeout), phase_name(r.phase), r.election, r.command);
        break;
      case HookResult::Outcome::spawn_failed:
        spdlog::error("hook could not start ({}): {}: {}", phase_name(r.phase),
                      std::strerror(r.code), r.command);
        break;
      case HookResult::Outcome::stopped:
        spdlog::info("hook killed: the daemon is stopping ({}): {}", phase_name(r.phase),
                     r.command);
        break;
    }
    if (opts_.on_result) opts_.on_result(r);
    lock.lock();
  }
}

HookResult HookRunner::run_one(const Job& job) {
  HookResult r;
  r.command = job.command;
  r.phase = job.request.phase;
  r.election = job.request.election;
  const auto started = Clock::now();

  const auto env = hook_environment(opts_.node_name, job.request);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::string arg0 = "sh";
  std::string arg1 = "-c";
  std::string arg2 = job.command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_init(&actions);
  // Own process group (killed as a whole), no signal blocked (the daemon blocks SIGTERM/SIGINT
  // for sigwait), default dispositions (the daemon ignores SIGPIPE).
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (const int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(
      &attr,
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // Sockets a long-running child of a hook inherited would keep the daemon's ports busy after
  // it exits.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, opts_.shell.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == 0) {
    // Logged before the election is let go on: its line shows the hook began before the
    // campaign's messages left.
    spdlog::debug("hook started ({}, election {}): {}", phase_name(r.phase), r.election, r.command);
  }
  mark_started(job.seq);
  if (rc != 0) {
    r.outcome = HookResult::Outcome::spawn_failed;
    r.code = rc;
    r.took = std::chrono::duration_cast<elector::Duration>(Clock::now() - started);
    return r;
  }

  // -1: not collected (someone else reaped the child); reported as a failure, not a success.
  int status = -1;
  r.outcome = wait_for(pid, status);
  if (r.outcome == HookResult::Outcome::ok) {
    if (status == -1) {
      r.outcome = HookResult::Outcome::failed;
      r.code = -1;
    } else if (exited(status)) {
      r.code = exit_code(status);
      r.outcome = r.code == 0 ? HookResult::Outcome::ok : HookResult::Outcome::failed;
    } else if (signaled(status)) {
      r.code = term_signal(status);
      r.outcome = HookResult::Outcome::signaled;
    }
  }
  r.took = std::chrono::duration_cast<elector::Duration>(Clock::now() - started);
  return r;
}

HookResult::Outcome HookRunner::wait_for(int pid, int& status) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(opts_.timeout);
  auto stopping = [&] {
    const std::lock_guard lock(mu_);
    return stopping_;
  };
  auto kill_group = [&](HookResult::Outcome why) {
    // The child is not reaped yet, so its pid (and process group id) cannot have been reused.
    ::kill(-pid, SIGKILL);
    reap(pid, status);
    return why;
  };

  const int pidfd = pidfd_open(pid);
  if (pidfd >= 0) {
    while (true) {
      if (stopping()) {
        ::close(pidfd);
        return kill_group(HookResult::Outcome::stopped);
      }
      const int wait_ms = ms_until(deadline);
      if (wait_ms == 0) {
        ::close(pidfd);
        return kill_group(HookResult::Outcome::timed_out);
      }
      pollfd fds[2] = {{pidfd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n =
          ::poll(fds, wake_fd_ >= 0 ? 2 : 1, wake_fd_ >= 0 ? wait_ms : std::min(wait_ms, 50));
      if (n < 0 && errno != EINTR) break;  // unexpected: fall back to polling waitpid below
      if (n > 0 && (fds[0].revents & POLLIN) != 0) {
        ::close(pidfd);
        reap(pid, status);
        return HookResult::Outcome::ok;
      }
    }
    ::close(pidfd);
  }

  // No pidfd (old kernel): check with WNOHANG every few milliseconds.
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return HookResult::Outcome::ok;
    if (r < 0 && errno != EINTR) return HookResult::Outcome::ok;
    if (stopping()) return kill_group(HookResult::Outcome::stopped);
    if (ms_until(deadline) == 0) return kill_group(HookResult::Outcome::timed_out);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace elector::daemon
