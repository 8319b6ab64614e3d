// elector-bench-floor rtt: loopback round-trip time between two processes (fork), TCP
// (TCP_NODELAY) then UDP ping-pong, as scheduled and then both pinned to one CPU.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "floor.hpp"

namespace elector::bench_floor {
namespace {

using json = nlohmann::json;

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

}  // namespace

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

}  // namespace elector::bench_floor
