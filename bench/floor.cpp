// elector-bench-floor: the small helpers of ./bench.sh, in plain POSIX C++ (no Asio).
//
//   rtt [--count N] [--size B]     loopback round-trip time between two processes (fork), TCP
//                                  (TCP_NODELAY) then UDP ping-pong, as scheduled and then both
//                                  pinned to one CPU; prints one JSON object
//   now                            prints CLOCK_MONOTONIC in ns
//   kill SIGNAL PID                prints CLOCK_MONOTONIC in ns, then at once sends SIGNAL
//                                  (KILL, STOP, CONT, TERM or a number) to PID
//   kill-watch [--timeout-ms MS] SIGNAL PID WATCHED_PID
//                                  sends SIGNAL to PID as kill does, then waits (pidfd, up to
//                                  MS, default 10000) until WATCHED_PID has exited; prints
//                                  {"fault_ns","gone","gone_ns","gone_ms"} (CLOCK_MONOTONIC read
//                                  right before kill(2) and right after the pidfd woke). Exit 0
//                                  when it exited, 1 on timeout, 3 if it had exited before
//   run JSONFILE CMD [ARG...]      runs CMD (stdout and stderr passed through), then writes
//                                  {"wall_s","user_s","sys_s","max_rss_kb","exit_code"} to
//                                  JSONFILE; exits with CMD's exit code
//   starttime PID...               prints "FIRST LAST": the earliest and latest start of the
//                                  processes, converted to CLOCK_MONOTONIC ns (10 ms resolution)
//   agree --since NS [--timeout-ms MS] [--poll-ms MS] [--exclude NAME] [--expect NAME] LOG...
//                                  follows the event logs until every one of them,
//                                  counting only leader_changed events at or after NS, names
//                                  the same leader (not NAME of --exclude, and the one of
//                                  --expect if given); prints one JSON object with the instant
//                                  of agreement taken from the logs' t_mono_ns, never from the
//                                  poll. Exit 0 on agreement, 1 on timeout, 2 on bad usage.
#include "floor.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace elector::bench_floor {

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::int64_t mono_ns() {
  return clock_ns(CLOCK_MONOTONIC);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "elector-bench-floor: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage(const std::string& what) {
  std::fprintf(stderr, "elector-bench-floor: %s\n", what.c_str());
  std::exit(2);
}

std::int64_t to_int(const std::string& s, const char* what) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    usage(std::string("bad value for ") + what + ": \"" + s + "\"");
  }
}

}  // namespace elector::bench_floor

int main(int argc, char** argv) {
  using namespace elector::bench_floor;
  if (argc < 2) usage("usage: elector-bench-floor rtt|now|kill|kill-watch|run|starttime|agree ...");
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "rtt") return cmd_rtt(args);
  if (cmd == "now") {
    std::printf("%lld\n", static_cast<long long>(mono_ns()));
    return 0;
  }
  if (cmd == "kill") return cmd_kill(args);
  if (cmd == "kill-watch") return cmd_kill_watch(args);
  if (cmd == "starttime") return cmd_starttime(args);
  if (cmd == "run") return cmd_run(args);
  if (cmd == "agree") return cmd_agree(args);
  usage("unknown command \"" + cmd + "\" (rtt, now, kill, kill-watch, run, starttime, agree)");
}
