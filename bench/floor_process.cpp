// elector-bench-floor kill, kill-watch, starttime and run: signalling, dating and timing other
// processes, every instant on CLOCK_MONOTONIC.
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "floor.hpp"

namespace elector::bench_floor {
namespace {

using json = nlohmann::json;

int signal_number(const std::string& s) {
  static const std::map<std::string, int> names{
      {"KILL", SIGKILL}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TERM", SIGTERM}};
  std::string n = s;
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  if (const auto it = names.find(n); it != names.end()) return it->second;
  return static_cast<int>(to_int(s, "SIGNAL"));
}

/// Start of a process in CLOCK_MONOTONIC ns: /proc/PID/stat field 22 counts clock ticks since
/// boot (CLOCK_BOOTTIME); the two clocks differ by the time spent suspended, measured now.
std::optional<std::int64_t> start_mono_ns(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  // Fields after "(comm)" start at field 3 (state); starttime is field 22.
  for (int f = 3; f <= 22; ++f) {
    if (!(rest >> field)) return std::nullopt;
  }
  const long tick = sysconf(_SC_CLK_TCK);
  const std::int64_t ticks = std::stoll(field);
  const std::int64_t boot_minus_mono = clock_ns(CLOCK_BOOTTIME) - mono_ns();
  return ticks * (1000000000 / tick) - boot_minus_mono;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

int cmd_kill(const std::vector<std::string>& args) {
  if (args.size() != 2) usage("kill SIGNAL PID");
  const int sig = signal_number(args[0]);
  const auto pid = static_cast<pid_t>(to_int(args[1], "PID"));
  if (pid <= 1) usage("kill: refusing pid " + args[1]);
  const std::int64_t t = mono_ns();
  if (::kill(pid, sig) != 0) die("kill " + args[1]);
  std::printf("%lld\n", static_cast<long long>(t));
  return 0;
}

int cmd_kill_watch(const std::vector<std::string>& args) {
  std::int64_t timeout_ms = 10000;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout-ms" && i + 1 < args.size()) {
      timeout_ms = to_int(args[++i], "--timeout-ms");
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.size() != 3) usage("kill-watch [--timeout-ms MS] SIGNAL PID WATCHED_PID");
  const int sig = signal_number(rest[0]);
  const auto pid = static_cast<pid_t>(to_int(rest[1], "PID"));
  const auto watched = static_cast<pid_t>(to_int(rest[2], "WATCHED_PID"));
  if (pid <= 1 || watched <= 1) usage("kill-watch: refusing pid 1 or below");
  // A pidfd becomes readable once the process has exited (its memory and descriptors released),
  // whoever its parent is, and it names that process even if the pid is reused meanwhile.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, watched, 0));
  if (fd < 0 && errno != ESRCH) die("pidfd_open " + rest[2]);
  pollfd pfd{fd, POLLIN, 0};
  if (fd < 0 || ::poll(&pfd, 1, 0) > 0) {
    std::fprintf(stderr, "elector-bench-floor: kill-watch: %s has already exited\n",
                 rest[2].c_str());
    return 3;
  }
  const std::int64_t t = mono_ns();
  if (::kill(pid, sig) != 0) die("kill " + rest[1]);
  std::int64_t gone = 0;
  for (;;) {
    const std::int64_t left_ms = timeout_ms - (mono_ns() - t) / 1000000;
    if (left_ms <= 0) break;
    const int n = ::poll(&pfd, 1, static_cast<int>(left_ms));
    if (n > 0) {
      gone = mono_ns();
      break;
    }
    if (n < 0 && errno != EINTR) die("poll");
  }
  json out{{"fault_ns", t}, {"gone", gone != 0}};
  if (gone != 0) {
    out["gone_ns"] = gone;
    out["gone_ms"] = static_cast<double>(gone - t) / 1e6;
  }
  std::printf("%s\n", out.dump().c_str());
  return gone != 0 ? 0 : 1;
}

int cmd_starttime(const std::vector<std::string>& args) {
  if (args.empty()) usage("starttime PID...");
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> last;
  for (const auto& pid : args) {
    const auto t = start_mono_ns(pid);
    if (!t) continue;
    first = first ? std::min(*first, *t) : *t;
    last = last ? std::max(*last, *t) : *t;
  }
  if (!first) {
    std::fprintf(stderr, "elector-bench-floor: starttime: no process found\n");
    return 1;
  }
  std::printf("%lld %lld\n", static_cast<long long>(*first), static_cast<long long>(*last));
  return 0;
}

int cmd_run(const std::vector<std::string>& args) {
  if (args.size() < 2) usage("run JSONFILE CMD [ARG...]");
  std::vector<char*> argv;
  for (std::size_t i = 1; i < args.size(); ++i) argv.push_back(const_cast<char*>(args[i].c_str()));
  argv.push_back(nullptr);
  const std::int64_t t0 = mono_ns();
  const pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "elector-bench-floor: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  while (wait4(child, &status, 0, &ru) < 0) {
    if (errno != EINTR) die("wait4");
  }
  const std::int64_t t1 = mono_ns();
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const json out{{"wall_s", static_cast<double>(t1 - t0) / 1e9},
                 {"user_s", seconds(ru.ru_utime)},
                 {"sys_s", seconds(ru.ru_stime)},
                 {"max_rss_kb", ru.ru_maxrss},
                 {"exit_code", code}};
  std::ofstream f(args[0]);
  f << out.dump() << '\n';
  if (!f) die("cannot write " + args[0]);
  return code;
}

}  // namespace elector::bench_floor
