#include "ctl/cluster_procs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "ctl/errors.hpp"

namespace elector::ctl {

namespace fs = std::filesystem;

const char* to_string(ProcState state) {
  switch (state) {
    case ProcState::running:
      return "running";
    case ProcState::stopped:
      return "stopped";
    case ProcState::dead:
      return "dead";
  }
  return "dead";
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool cmdline_names_box(pid_t pid, std::string_view name) {
  const std::string cmdline = slurp("/proc/" + std::to_string(pid) + "/cmdline");
  // NUL-separated arguments; look for "--name" followed by the name.
  std::string_view rest = cmdline;
  std::string_view previous;
  while (!rest.empty()) {
    const auto end = rest.find('\0');
    const auto arg = rest.substr(0, end);
    if (previous == "--name" && arg == name) return true;
    if (arg == std::string("--name=") + std::string(name)) return true;
    previous = arg;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

ProcState process_state(pid_t pid, std::string_view name) {
  if (pid <= 0) return ProcState::dead;
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  // "PID (COMM) S ...": COMM may contain spaces and parentheses, so look after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return ProcState::dead;
  const char state = stat[close + 2];
  if (state == 'Z' || state == 'X' || state == 'x') return ProcState::dead;
  if (!cmdline_names_box(pid, name)) return ProcState::dead;
  if (state == 'T' || state == 't') return ProcState::stopped;
  return ProcState::running;
}

PendingSpawn start_detached(const std::vector<std::string>& argv, const fs::path& cwd,
                            const fs::path& log, bool truncate_log) {
  if (argv.empty()) throw Failure("nothing to start");
  // Everything the child needs is prepared before fork: between fork and exec it may only make
  // async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<char*> c_argv;
  c_argv.reserve(args.size() + 1);
  for (auto& a : args) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  const std::string cwd_str = cwd.string();

  std::error_code ec;
  fs::create_directories(log.parent_path(), ec);
  const int log_flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate_log ? O_TRUNC : O_APPEND);
  const int log_fd = ::open(log.c_str(), log_flags, 0644);
  if (log_fd < 0) throw Failure("cannot open " + log.string() + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];  // the child reports a failure here; a successful exec closes it
  if (null_fd < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw Failure(std::string("cannot prepare a child process: ") + std::strerror(err));
  }

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // own session: no terminal, no signals meant for electorctl's process group
    // {step, errno}: step 0 = entering cwd, 1 = redirecting, 2 = exec.
    int failure[2] = {0, 0};
    if (::chdir(cwd_str.c_str()) != 0) {
      failure[1] = errno;
    } else if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) {
      failure[0] = 1;
      failure[1] = errno;
    } else {
      // Descriptors electorctl inherited (e.g. a test runner's pipes) must not stay open in a
      // long-lived daemon, or whoever waits for them to close waits forever.
      ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
      sigset_t none;
      ::sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) {
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        ::sigaction(sig, &dfl, nullptr);
      }
      ::execv(c_argv[0], c_argv.data());
      failure[0] = 2;
      failure[1] = errno;
    }
    [[maybe_unused]] const auto written = ::write(report[1], failure, sizeof failure);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(report[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(report[0]);
    throw Failure(std::string("cannot fork: ") + std::strerror(fork_errno));
  }
  return PendingSpawn(pid, report[0], argv[0], cwd_str, log.string());
}

PendingSpawn::PendingSpawn(pid_t pid, int report_fd, std::string program, std::string cwd,
                           std::string log)
    : pid_(pid),
      report_fd_(report_fd),
      program_(std::move(program)),
      cwd_(std::move(cwd)),
      log_(std::move(log)) {}

PendingSpawn::PendingSpawn(PendingSpawn&& other) noexcept
    : pid_(other.pid_),
      report_fd_(std::exchange(other.report_fd_, -1)),
      program_(std::move(other.program_)),
      cwd_(std::move(other.cwd_)),
      log_(std::move(other.log_)) {}

PendingSpawn::~PendingSpawn() {
  if (report_fd_ >= 0) ::close(report_fd_);
}

void PendingSpawn::await_exec() {
  if (report_fd_ < 0) return;
  int failure[2] = {0, 0};
  ssize_t n = 0;
  do {
    n = ::read(report_fd_, failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(report_fd_);
  report_fd_ = -1;
  if (n <= 0) return;  // closed by a successful exec
  ::waitpid(pid_, nullptr, 0);
  const std::string why = std::strerror(failure[1]);
  if (failure[0] == 0) throw Failure("cannot enter " + cwd_ + ": " + why);
  if (failure[0] == 1) throw Failure("cannot redirect to " + log_ + ": " + why);
  throw Failure("cannot start " + program_ + ": " + why);
}

pid_t spawn_detached(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& log,
                     bool truncate_log) {
  auto child = start_detached(argv, cwd, log, truncate_log);
  child.await_exec();
  return child.pid();
}

std::optional<ExitedChild> reap_exited_child() {
  int status = 0;
  const pid_t pid = ::waitpid(-1, &status, WNOHANG);
  if (pid <= 0) return std::nullopt;
  ExitedChild child;
  child.pid = pid;
  child.code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return child;
}

void raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);  // best effort: the boxes still start with the old one
  }
}

bool send_signal(pid_t pid, int sig) {
  return pid > 0 && ::kill(pid, sig) == 0;
}

std::vector<std::size_t> wait_until_gone(const std::vector<pid_t>& pids,
                                         const std::vector<std::string>& names,
                                         std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::size_t> left;
  for (std::size_t i = 0; i < pids.size(); ++i) left.push_back(i);
  for (;;) {
    std::vector<std::size_t> still;
    for (const auto i : left) {
      if (process_state(pids[i], names[i]) != ProcState::dead) still.push_back(i);
    }
    left.swap(still);
    if (left.empty() || std::chrono::steady_clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool wait_for_state(pid_t pid, std::string_view name, ProcState state,
                    std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (process_state(pid, name) == state) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

bool executable(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<fs::path> search_path(const std::string& name) {
  const char* env = std::getenv("PATH");
  if (env == nullptr) return std::nullopt;
  std::string_view dirs = env;
  for (;;) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (executable(candidate)) return fs::absolute(candidate).lexically_normal();
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

std::string find_electord(const std::optional<std::string>& explicit_path) {
  if (explicit_path && !explicit_path->empty()) {
    const std::string& given = *explicit_path;
    // Without a slash it is a command name (looked up on PATH), as with any shell command.
    if (given.find('/') == std::string::npos) {
      if (auto found = search_path(given)) return found->string();
    } else if (executable(given)) {
      return fs::absolute(given).lexically_normal().string();
    }
    throw Failure("electord '" + given +
                  "' (from --electord or ELECTORD) is not an executable file");
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path sibling = self.parent_path() / "electord";
    if (executable(sibling)) return sibling.string();
  }
  if (auto found = search_path("electord")) return found->string();
  throw Failure(
      "cannot find electord: not next to electorctl and not on PATH; give --electord PATH or "
      "set ELECTORD");
}

}  // namespace elector::ctl
