// electord under a service manager's eyes: the test plays systemd's part with its own
// NOTIFY_SOCKET (a unix datagram socket in a temporary directory) and WATCHDOG_USEC, and checks
// that READY=1 comes only once the node has joined its cluster, that WATCHDOG=1 keeps coming,
// and that STOPPING=1 comes on SIGTERM. Skipped when electord was not built next to this test.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "daemon/daemon_test_util.hpp"
#include "daemon/electord_process.hpp"
#include "daemon/systemd_notify.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::slurp;
using testing::TempDir;

/// The service manager's end: a bound unix datagram socket, read with a generous timeout.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    timeval tv{};
    tv.tv_sec = 30;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] bool bound() const { return bound_; }
  /// The next datagram's lines; nullopt when none came within the timeout.
  std::optional<std::vector<std::string>> next() {
    std::string buf(4096, '\0');
    const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < buf.size();) {
      auto end = buf.find('\n', at);
      if (end == std::string::npos) end = buf.size();
      lines.push_back(buf.substr(at, end - at));
      at = end + 1;
    }
    return lines;
  }
  /// Reads datagrams until one holds `line`, returning every line read before it; nullopt when
  /// it has not come within 30 s (other datagrams, such as the watchdog's, keep coming).
  std::optional<std::vector<std::string>> until(const std::string& line) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::vector<std::string> seen;
    for (;;) {
      const auto d = next();
      if (!d || std::chrono::steady_clock::now() > deadline) return std::nullopt;
      for (const auto& l : *d) {
        if (l == line) return seen;
        seen.push_back(l);
      }
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

/// A member of a cluster of two (cluster_size 2: alone, a node has not joined).
std::vector<std::string> node_args(const std::string& name, int listen, int seed, int control,
                                   const std::string& state_dir) {
  return {"--name",         name,
          "--listen",       "127.0.0.1:" + std::to_string(listen),
          "--seeds",        "127.0.0.1:" + std::to_string(seed),
          "--control",      "127.0.0.1:" + std::to_string(control),
          "--state-dir",    state_dir,
          "--cluster-size", "2",
          "--insecure"};
}

int readyz(int control_port) {
  httplib::Client c("127.0.0.1", control_port);
  c.set_read_timeout(20, 0);
  const auto r = c.Get("/readyz");
  return r ? r->status : -1;
}

TEST(SystemdNotify, ReadyOnlyAfterJoiningWatchdogKeepsComingStoppingOnTerm) {
  const std::string exe = testing::electord_path();
  if (exe.empty()) GTEST_SKIP() << "electord not built";
  TempDir dir;
  NotifySocket manager(dir.file("notify"));
  ASSERT_TRUE(manager.bound());
  const int a_port = testing::free_port();
  const int b_port = testing::free_port();
  const int a_control = testing::free_port();
  const int b_control = testing::free_port();

  // a alone, its seed b not started: not joined. WATCHDOG_USEC of 200 ms: a ping every 100 ms.
  Daemon a(exe, node_args("a", a_port, b_port, a_control, dir.file("state-a")), dir.file("a.err"),
           {"NOTIFY_SOCKET=" + dir.file("notify"), "WATCHDOG_USEC=200000"});
  ASSERT_GT(a.pid(), 0);
  for (int ping = 0; ping < 3; ++ping) {
    const auto before = manager.until("WATCHDOG=1");
    ASSERT_TRUE(before) << "no WATCHDOG=1 from a lone node\n" << slurp(dir.file("a.err"));
    for (const auto& l : *before) EXPECT_NE(l, "READY=1") << "ready before joining";
  }
  EXPECT_EQ(readyz(a_control), 503);

  Daemon b(exe, node_args("b", b_port, a_port, b_control, dir.file("state-b")), dir.file("b.err"));
  ASSERT_GT(b.pid(), 0);
  const auto before_ready = manager.until("READY=1");
  ASSERT_TRUE(before_ready) << "no READY=1 after b joined\n" << slurp(dir.file("a.err"));
  EXPECT_EQ(readyz(a_control), 200);
  for (int ping = 0; ping < 3; ++ping) {
    ASSERT_TRUE(manager.until("WATCHDOG=1")) << "the watchdog pings stopped after READY=1";
  }

  a.signal(SIGTERM);
  ASSERT_TRUE(manager.until("STOPPING=1")) << slurp(dir.file("a.err"));
  EXPECT_EQ(a.wait(60s), 0);
}

TEST(SystemdNotify, StatusTextNamesTheLeaderAndTheTerm) {
  elector::NodeStatus st;
  st.quorum_met = false;
  st.quorum = 2;
  st.members_by_status = {{elector::MemberState::alive, 1}};
  EXPECT_EQ(systemd_status_text(st), "joining: 1 of the 2 members a quorum needs are up");
  st.quorum_met = true;
  st.term = 3;
  EXPECT_EQ(systemd_status_text(st), "no leader, term 3");
  st.leader = "box2";
  EXPECT_EQ(systemd_status_text(st), "leader box2, term 3");
  st.is_leader = true;
  EXPECT_EQ(systemd_status_text(st), "leader box2, term 3 (this node)");
}

}  // namespace
}  // namespace elector::daemon
