// elector-bench-floor: the small helpers of ./bench.sh, in plain POSIX C++ (no Asio).
//
//   rtt [--count N] [--size B]     loopback round-trip time between two processes (fork), TCP
//                                  (TCP_NODELAY) then UDP ping-pong, as scheduled and then both
//                                  pinned to one CPU; prints one JSON object
//   now                            prints CLOCK_MONOTONIC in ns
//   kill SIGNAL PID                prints CLOCK_MONOTONIC in ns, then at once sends SIGNAL
//                                  (KILL, STOP, CONT, TERM or a number) to PID
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;

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

// ---------------------------------------------------------------------------------------------
// rtt

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) die("getsockname");
  return ntohs(a.sin_port);
}

int bind_loopback(int type) {
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) die("socket");
  const sockaddr_in a = loopback(0);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("bind");
  return fd;
}

void connect_to(int fd, std::uint16_t port) {
  const sockaddr_in a = loopback(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("connect");
}

void no_delay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

json summarize(std::vector<std::int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  const auto pct = [&](double p) {
    const auto i = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1) + 0.5);
    return static_cast<double>(ns[std::min(i, ns.size() - 1)]) / 1000.0;
  };
  double sum = 0;
  for (const auto v : ns) sum += static_cast<double>(v);
  return json{{"count", ns.size()},
              {"min_us", pct(0)},
              {"p50_us", pct(0.5)},
              {"p90_us", pct(0.9)},
              {"p99_us", pct(0.99)},
              {"max_us", pct(1)},
              {"mean_us", sum / static_cast<double>(ns.size()) / 1000.0}};
}

/// Ping-pong over a connected pair of descriptors: the child echoes, the parent times.
/// `stream`: TCP (read exactly `size` bytes) or UDP (one datagram).
std::vector<std::int64_t> ping_pong(int fd, std::size_t size, int count, int warmup, bool stream) {
  std::vector<char> buf(size, 'x');
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < warmup + count; ++i) {
    const std::int64_t t0 = mono_ns();
    if (stream) {
      if (!write_all(fd, buf.data(), size) || !read_all(fd, buf.data(), size)) die("tcp ping");
    } else {
      if (send(fd, buf.data(), size, 0) != static_cast<ssize_t>(size)) die("udp send");
      if (recv(fd, buf.data(), size, 0) != static_cast<ssize_t>(size)) die("udp recv");
    }
    const std::int64_t t1 = mono_ns();
    if (i >= warmup) out.push_back(t1 - t0);
  }
  return out;
}

void echo_tcp(int fd, std::size_t size) {
  std::vector<char> buf(size);
  while (read_all(fd, buf.data(), size)) {
    if (!write_all(fd, buf.data(), size)) break;
  }
}

void echo_udp(int fd, std::size_t size) {
  std::vector<char> buf(size + 1);
  for (;;) {
    const ssize_t r = recv(fd, buf.data(), buf.size(), 0);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      break;
    }
    if (r == 1 && buf[0] == 'q') break;  // the parent's "done"
    if (send(fd, buf.data(), static_cast<std::size_t>(r), 0) != r) break;
  }
}

void wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::int64_t> rtt_tcp(std::size_t size, int count, int warmup) {
  const int lfd = bind_loopback(SOCK_STREAM);
  if (listen(lfd, 1) != 0) die("listen");
  const std::uint16_t port = bound_port(lfd);
  const pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    const int c = accept(lfd, nullptr, nullptr);
    if (c < 0) _exit(1);
    no_delay(c);
    echo_tcp(c, size);
    _exit(0);
  }
  close(lfd);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  connect_to(fd, port);
  no_delay(fd);
  auto out = ping_pong(fd, size, count, warmup, true);
  close(fd);
  wait_child(child);
  return out;
}

std::vector<std::int64_t> rtt_udp(std::size_t size, int count, int warmup) {
  const int a = bind_loopback(SOCK_DGRAM);
  const int b = bind_loopback(SOCK_DGRAM);
  connect_to(a, bound_port(b));
  connect_to(b, bound_port(a));
  const pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(a);
    echo_udp(b, size);
    _exit(0);
  }
  close(b);
  auto out = ping_pong(a, size, count, warmup, false);
  const char q = 'q';
  send(a, &q, 1, 0);
  close(a);
  wait_child(child);
  return out;
}

int cmd_rtt(const std::vector<std::string>& args) {
  int count = 10000;
  std::size_t size = 64;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--count" && i + 1 < args.size()) {
      count = static_cast<int>(to_int(args[++i], "--count"));
    } else if (args[i] == "--size" && i + 1 < args.size()) {
      size = static_cast<std::size_t>(to_int(args[++i], "--size"));
    } else {
      usage("rtt: unknown argument \"" + args[i] + "\"");
    }
  }
  if (count < 1 || size < 2 || size > 60000) usage("rtt: --count >= 1, 2 <= --size <= 60000");
  const int warmup = std::max(100, count / 10);
  json out{{"count", count}, {"size_bytes", size}, {"warmup", warmup}};
  out["tcp"] = summarize(rtt_tcp(size, count, warmup));
  out["udp"] = summarize(rtt_udp(size, count, warmup));
  // Both processes on one CPU: a wake-up is a context switch there, with no inter-processor
  // interrupt; in a virtual machine waking an idle vCPU is often the larger part of the RTT.
  cpu_set_t all;
  CPU_ZERO(&all);
  if (sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) > 1) {
    cpu_set_t one;
    CPU_ZERO(&one);
    for (std::size_t c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &all)) {
        CPU_SET(c, &one);
        break;
      }
    }
    if (sched_setaffinity(0, sizeof one, &one) == 0) {
      out["tcp_same_cpu"] = summarize(rtt_tcp(size, count, warmup));
      out["udp_same_cpu"] = summarize(rtt_udp(size, count, warmup));
      sched_setaffinity(0, sizeof all, &all);
    }
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// kill, now, starttime

int signal_number(const std::string& s) {
  static const std::map<std::string, int> names{
      {"KILL", SIGKILL}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TERM", SIGTERM}};
  std::string n = s;
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  if (const auto it = names.find(n); it != names.end()) return it->second;
  return static_cast<int>(to_int(s, "SIGNAL"));
}

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

// ---------------------------------------------------------------------------------------------
// run

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
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

// ---------------------------------------------------------------------------------------------
// agree

struct Follow {
  std::string path;
  std::string node;  // from the lines; the file name until a line is seen
  std::uint64_t offset = 0;
  std::string partial;
  bool seen = false;                  // a leader_changed at or after --since
  std::optional<std::string> leader;  // as of its last leader_changed
  std::int64_t since_ns = 0;          // when it began naming `leader`
  std::int64_t first_ns = 0;          // its first leader_changed at or after --since
  std::int64_t term = 0;
  int changes = 0;  // leader_changed events at or after --since
};

void consume_lines(Follow& f, std::int64_t since);

void read_new(Follow& f, std::int64_t since) {
  std::ifstream in(f.path, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const auto end = static_cast<std::uint64_t>(in.tellg());
  if (end < f.offset) f.offset = 0;  // truncated: a new record
  in.seekg(static_cast<std::streamoff>(f.offset));
  // In slices, so that a thousand long logs do not all sit in memory at once.
  constexpr std::uint64_t kSlice = 1 << 20;
  while (f.offset < end) {
    std::string chunk(static_cast<std::size_t>(std::min(kSlice, end - f.offset)), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    if (chunk.empty()) break;
    f.offset += chunk.size();
    f.partial += chunk;
    consume_lines(f, since);
  }
}

void consume_lines(Follow& f, std::int64_t since) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = f.partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string_view line(f.partial.data() + start, nl - start);
    if (line.find("\"leader_changed\"") == std::string_view::npos) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("event", "") != "leader_changed") continue;
    const std::int64_t t = j.value("t_mono_ns", std::int64_t{0});
    if (t < since) continue;
    if (j.contains("node") && j["node"].is_string()) f.node = j["node"].get<std::string>();
    std::optional<std::string> leader;
    if (j.contains("leader") && j["leader"].is_string()) leader = j["leader"].get<std::string>();
    if (!f.seen) f.first_ns = t;
    if (!f.seen || leader != f.leader) f.since_ns = t;
    f.seen = true;
    f.leader = leader;
    f.term = j.value("term", std::int64_t{0});
    ++f.changes;
  }
  f.partial.erase(0, start);
}

int cmd_agree(const std::vector<std::string>& args) {
  std::optional<std::int64_t> since;
  std::int64_t timeout_ms = 10000;
  std::int64_t poll_ms = 20;
  std::optional<std::string> exclude;
  std::optional<std::string> expect;
  std::vector<Follow> logs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto value = [&](const char* what) {
      if (i + 1 >= args.size()) usage(std::string("agree: ") + what + " needs a value");
      return args[++i];
    };
    if (args[i] == "--since") {
      since = to_int(value("--since"), "--since");
    } else if (args[i] == "--timeout-ms") {
      timeout_ms = to_int(value("--timeout-ms"), "--timeout-ms");
    } else if (args[i] == "--poll-ms") {
      poll_ms = std::max<std::int64_t>(1, to_int(value("--poll-ms"), "--poll-ms"));
    } else if (args[i] == "--exclude") {
      exclude = value("--exclude");
    } else if (args[i] == "--expect") {
      expect = value("--expect");
    } else if (args[i].rfind("--", 0) == 0) {
      usage("agree: unknown option \"" + args[i] + "\"");
    } else {
      Follow f;
      f.path = args[i];
      f.node = args[i];
      logs.push_back(std::move(f));
    }
  }
  if (!since || logs.empty()) usage("agree --since NS [options] LOG...");

  const std::int64_t started = mono_ns();
  const std::int64_t deadline = started + timeout_ms * 1000000;
  std::optional<std::string> agreed;
  for (;;) {
    for (auto& f : logs) read_new(f, *since);
    agreed.reset();
    bool all = true;
    for (const auto& f : logs) {
      if (!f.seen || !f.leader || (exclude && *f.leader == *exclude) ||
          (expect && *f.leader != *expect) || (agreed && *agreed != *f.leader)) {
        all = false;
        break;
      }
      agreed = f.leader;
    }
    if (all) break;
    agreed.reset();
    if (mono_ns() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }

  json out{{"nodes", logs.size()}, {"since_ns", *since}};
  out["waited_ms"] = static_cast<double>(mono_ns() - started) / 1e6;
  if (agreed) {
    std::int64_t last = 0;
    std::int64_t first = INT64_MAX;
    std::int64_t first_seen_last = 0;
    std::string last_node;
    int max_changes = 0;
    for (const auto& f : logs) {
      if (f.since_ns >= last) {
        last = f.since_ns;
        last_node = f.node;
      }
      first = std::min(first, f.since_ns);
      first_seen_last = std::max(first_seen_last, f.first_ns);
      max_changes = std::max(max_changes, f.changes);
    }
    out["agreed"] = true;
    out["leader"] = *agreed;
    out["term"] = logs.front().term;
    out["agreed_by"] = logs.size();
    // The instant every log names the leader for good, and the first log to name it.
    out["last_ns"] = last;
    out["first_ns"] = first;
    out["latency_ms"] = static_cast<double>(last - *since) / 1e6;
    out["first_latency_ms"] = static_cast<double>(first - *since) / 1e6;
    // The latest first reaction (any leader_changed, null included) of a node.
    out["first_change_latency_ms"] = static_cast<double>(first_seen_last - *since) / 1e6;
    out["last_node"] = last_node;
    out["max_changes"] = max_changes;
  } else {
    std::map<std::string, int> views;
    for (const auto& f : logs) {
      ++views[!f.seen ? "(no change)" : f.leader.value_or("(none)")];
    }
    std::string most;
    int most_count = 0;
    for (const auto& [leader, n] : views) {
      if (n > most_count) {
        most = leader;
        most_count = n;
      }
    }
    // The ten most seen views; a split cluster has as many as it has nodes.
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [leader, n] : views) ranked.emplace_back(n, leader);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    json top = json::object();
    int others = 0;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      if (i < 10) {
        top[ranked[i].second] = ranked[i].first;
      } else {
        others += ranked[i].first;
      }
    }
    if (others > 0) top["(others)"] = others;
    out["agreed"] = false;
    out["views"] = top;
    out["distinct_views"] = views.size();
    out["most_seen"] = most;
    out["agreed_by"] = most_count;
  }
  std::printf("%s\n", out.dump().c_str());
  return agreed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("usage: elector-bench-floor rtt|now|kill|run|starttime|agree ...");
  const std::string cmd = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "rtt") return cmd_rtt(args);
  if (cmd == "now") {
    std::printf("%lld\n", static_cast<long long>(mono_ns()));
    return 0;
  }
  if (cmd == "kill") return cmd_kill(args);
  if (cmd == "starttime") return cmd_starttime(args);
  if (cmd == "run") return cmd_run(args);
  if (cmd == "agree") return cmd_agree(args);
  usage("unknown command \"" + cmd + "\" (rtt, now, kill, run, starttime, agree)");
}
