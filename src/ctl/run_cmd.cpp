#include "ctl/run_cmd.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <ostream>

#include "ctl/errors.hpp"
#include "ctl/leader_poller.hpp"

extern char** environ;

namespace elector::ctl {
namespace {

// The node's leases run on CLOCK_BOOTTIME (src/node/clocks.hpp), which keeps counting while the
// machine is suspended. The runner's deadlines do too: after a suspend the command is stopped at
// once, as the lease it relied on is over; CLOCK_MONOTONIC would let it run on past it.
constexpr clockid_t kClock = CLOCK_BOOTTIME;
// One request to the local node; a frozen node costs this, not the command's deadlines, which
// the timer enforces meanwhile.
constexpr std::chrono::milliseconds kPollTimeout{500};

RunInstant clock_ms() {
  timespec ts{};
  ::clock_gettime(kClock, &ts);
  // Rounded down: the send time this gives is no later than the real one.
  return RunInstant(static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000);
}

[[noreturn]] void system_failure(const std::string& what) {
  throw Failure("run: " + what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd, const char* what) : fd_(fd) {
    if (fd_ < 0) system_failure(what);
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

const char* describe(RunAction::Why why) {
  switch (why) {
    case RunAction::Why::deadline:
      return "the lease was not renewed in time";
    case RunAction::Why::not_leader:
      return "the node no longer leads";
    case RunAction::Why::term_changed:
      return "the node leads in another term";
    case RunAction::Why::stop_signal:
      return "the runner was asked to stop";
    case RunAction::Why::grace_over:
      return "it outlived the grace period or the lease";
    case RunAction::Why::exited:
    case RunAction::Why::none:
      break;
  }
  return "";
}

std::string describe(ChildStatus s) {
  return s.signaled ? "killed by signal " + std::to_string(s.value)
                    : "exit code " + std::to_string(s.value);
}

/// The command, in a process group of its own so that a signal reaches what it started too.
class Child {
 public:
  /// False (errno set) when the command could not be started.
  bool spawn(const std::vector<std::string>& command, const std::vector<std::string>& env) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE}) sigaddset(&defaults, s);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(
        &attr,
        static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      errno = rc;
      return false;
    }
    pid_ = pid;
    return true;
  }

  pid_t pid() const { return pid_; }

  void signal_group(int signo) const {
    // The group's id is the command's pid, held until it is reaped, so this cannot reach
    // another group.
    if (pid_ > 0) ::kill(-pid_, signo);
  }

  /// The command's end when it has ended, without reaping it.
  std::optional<ChildStatus> peek() const {
    if (pid_ <= 0) return std::nullopt;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == 0) {
      return std::nullopt;
    }
    return ChildStatus{info.si_code != CLD_EXITED, info.si_status};
  }

  void reap() {
    if (pid_ <= 0) return;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  pid_t pid_ = 0;
};

/// The environment of the command: the runner's, with the three ELECTOR_ variables replaced.
std::vector<std::string> child_env(const RunAction& start) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("ELECTOR_TERM=") || v.starts_with("ELECTOR_NODE=") ||
        v.starts_with("ELECTOR_LEASE_DEADLINE_MS=")) {
      continue;
    }
    env.emplace_back(v);
  }
  env.push_back("ELECTOR_TERM=" + std::to_string(start.term));
  env.push_back("ELECTOR_NODE=" + start.node);
  env.push_back("ELECTOR_LEASE_DEADLINE_MS=" + std::to_string(start.at.count()));
  return env;
}

class Runner {
 public:
  Runner(const Endpoint& node, const RunOptions& options, Out io)
      : options_(options),
        io_(io),
        signals_(make_signalfd(), "signalfd"),
        timer_(::timerfd_create(kClock, TFD_CLOEXEC), "timerfd_create"),
        results_(::eventfd(0, EFD_CLOEXEC), "eventfd"),
        supervisor_(options.settings),
        // Made last: its thread inherits the signal mask make_signalfd set.
        poller_(node, kPollTimeout, clock_ms, results_.get()) {}

  int run() {
    queue(supervisor_.start(clock_ms()));
    for (;;) {
      carry_out();
      if (exit_code_) {
        child_.reap();
        return *exit_code_;
      }
      wait();
    }
  }

 private:
  static int make_signalfd() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
    if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) system_failure("pthread_sigmask");
    return ::signalfd(-1, &set, SFD_CLOEXEC);
  }

  void queue(std::vector<RunAction> actions) {
    for (auto& a : actions) pending_.push_back(std::move(a));
  }

  /// Carries out the pending actions (which may queue more), up to an exit.
  void carry_out() {
    while (!pending_.empty() && !exit_code_) {
      const RunAction a = std::move(pending_.front());
      pending_.pop_front();
      switch (a.kind) {
        case RunAction::Kind::start:
          start(a);
          break;
        case RunAction::Kind::signal:
          io_.err << "electorctl run: stopping the command (pid " << child_.pid()
                  << "): " << describe(a.why) << '\n';
          child_.signal_group(a.signal);
          break;
        case RunAction::Kind::kill:
          if (a.why != RunAction::Why::exited) {
            io_.err << "electorctl run: SIGKILL to the command (pid " << child_.pid()
                    << "): " << describe(a.why) << '\n';
          }
          child_.signal_group(SIGKILL);
          break;
        case RunAction::Kind::poll:
          poller_.request();
          break;
        case RunAction::Kind::wake:
          arm(a.at);
          break;
        case RunAction::Kind::exit:
          exit_code_ = a.code;
          break;
      }
    }
  }

  void start(const RunAction& a) {
    if (child_.spawn(options_.command, child_env(a))) {
      io_.err << "electorctl run: " << a.node << " leads in term " << a.term
              << ": started the command (pid " << child_.pid() << ")\n";
      return;
    }
    io_.err << "electorctl run: cannot run " << options_.command.front() << ": "
            << std::strerror(errno) << '\n';
    // As a shell says of a command it cannot run.
    queue(supervisor_.on_child_exited(clock_ms(), ChildStatus{false, 127}));
  }

  void arm(RunInstant at) {
    itimerspec spec{};
    const auto ms = std::max<std::int64_t>(at.count(), 1);  // 0 would disarm it
    spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
    spec.it_value.tv_nsec = static_cast<long>(ms % 1000) * 1000000;
    if (::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
      system_failure("timerfd_settime");
    }
  }

  void wait() {
    pollfd fds[3] = {
        {signals_.get(), POLLIN, 0}, {timer_.get(), POLLIN, 0}, {results_.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) return;
      system_failure("poll");
    }
    if (fds[0].revents & POLLIN) on_signal();
    if (fds[1].revents & POLLIN) {
      std::uint64_t expirations = 0;
      if (::read(timer_.get(), &expirations, sizeof expirations) > 0) {
        queue(supervisor_.on_timer(clock_ms()));
      }
    }
    if (fds[2].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto n = ::read(results_.get(), &count, sizeof count);
      while (auto r = poller_.take()) on_result(*r);
    }
  }

  void on_signal() {
    signalfd_siginfo info{};
    if (::read(signals_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    const int signo = static_cast<int>(info.ssi_signo);
    if (signo != SIGCHLD) {
      queue(supervisor_.on_stop_signal(clock_ms(), signo));
      return;
    }
    const auto status = child_.peek();
    if (!status) return;
    if (supervisor_.state() == RunSupervisor::State::stopping) {
      io_.err << "electorctl run: the command (pid " << child_.pid()
              << ") ended: " << describe(*status) << '\n';
    }
    queue(supervisor_.on_child_exited(clock_ms(), *status));
    // The group's stragglers get their SIGKILL before the command is reaped (its pid names the
    // group until then).
    carry_out();
    child_.reap();
  }

  void on_result(const LeaderPoller::Result& r) {
    const RunInstant now = clock_ms();
    if (!r.info) {
      if (r.error != last_error_) io_.err << "electorctl run: " << r.error << '\n';
      last_error_ = r.error;
      queue(supervisor_.on_poll_failed(now));
      return;
    }
    last_error_.clear();
    const LeaderInfo& info = *r.info;
    queue(supervisor_.on_answer(
        now, r.sent,
        LeaderAnswer{info.is_leader, info.term, info.lease_left_ms, info.leader.value_or("")}));
  }

  const RunOptions& options_;
  Out io_;
  Fd signals_;
  Fd timer_;
  Fd results_;
  RunSupervisor supervisor_;
  Child child_;
  std::deque<RunAction> pending_;
  std::string last_error_;
  std::optional<int> exit_code_;
  LeaderPoller poller_;
};

}  // namespace

int cmd_run(const Endpoint& node, const RunOptions& options, Out io) {
  if (options.command.empty()) throw UsageError("run: no command given (electorctl run -- CMD)");
  Runner runner(node, options, io);
  return runner.run();
}

}  // namespace elector::ctl
