// What the control server's tests share (tests/daemon/control_*_test.cpp): FakeBackend, a node
// whose answers the test sets; ControlServerTest, a fixture that runs a ControlServer for it on
// 127.0.0.1 with a port picked by the OS (start() replaces it with other options); and raw
// sockets for what an HTTP client library would not send or would hide.
//
// The server answers on its own threads: FakeBackend guards its fields with `mu`, and elect_sync()
// waits while `hold_sync` is set, until release_sync(). A test sets the other answers before the
// request that reads them. Every raw socket's reads time out after 20 s, so a server that does not
// answer fails the test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "daemon/daemon_test_util.hpp"

namespace elector::daemon::testing {

using nlohmann::json;

/// A node as the control API sees it, with answers set by the test.
class FakeBackend final : public ControlBackend {
 public:
  [[nodiscard]] LeaderView leader() const override {
    const std::lock_guard lock(mu);
    return leader_view;
  }
  [[nodiscard]] elector::NodeStatus status() const override {
    const std::lock_guard lock(mu);
    return node_status;
  }
  [[nodiscard]] std::vector<elector::NodeMember> members() const override {
    const std::lock_guard lock(mu);
    return member_list;
  }
  [[nodiscard]] elector::TransportStats stats() const override {
    const std::lock_guard lock(mu);
    return transport;
  }
  elector::ElectResult elect() override {
    const std::lock_guard lock(mu);
    ++elects;
    return elect_result;
  }
  elector::ElectSyncResult elect_sync(elector::Duration timeout) override {
    std::unique_lock lock(mu);
    last_sync_timeout = timeout;
    ++syncs_waiting;
    cv.wait(lock, [&] { return !hold_sync; });
    --syncs_waiting;
    return sync_result;
  }
  /// Lets held sync elections return.
  void release_sync() {
    {
      const std::lock_guard lock(mu);
      hold_sync = false;
    }
    cv.notify_all();
  }
  void clear_leader() override {
    const std::lock_guard lock(mu);
    ++clears;
  }
  /// Sets the leader view, and the status to match it.
  void set_leader(std::optional<std::string> leader, std::uint64_t term, bool is_leader,
                  elector::Duration lease_left = {}) {
    const std::lock_guard lock(mu);
    leader_view = LeaderView{leader, term, is_leader, lease_left};
    node_status.leader = std::move(leader);
    node_status.term = term;
    node_status.is_leader = is_leader;
    node_status.role = is_leader ? elector::NodeRole::leader : elector::NodeRole::follower;
    node_status.lease_left = lease_left;
  }

  mutable std::mutex mu;
  std::condition_variable cv;
  /// While set, elect_sync() waits (as a real election would).
  bool hold_sync = false;
  int syncs_waiting = 0;
  LeaderView leader_view;
  elector::NodeStatus node_status;
  std::vector<elector::NodeMember> member_list;
  elector::TransportStats transport;
  elector::ElectResult elect_result = elector::ElectResult::started;
  elector::ElectSyncResult sync_result;
  elector::Duration last_sync_timeout{};
  int elects = 0;
  int clears = 0;
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(ControlServerOptions{}); }

  void start(ControlServerOptions o) {
    if (server) server->stop();
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<ControlServer>(backend, o);
    std::string err;
    ASSERT_TRUE(server->bind(err)) << err;
    ASSERT_GT(server->port(), 0);
    server->start();
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(20, 0);
    c.set_connection_timeout(20, 0);
    return c;
  }

  static json body(const httplib::Result& r) { return json::parse(r->body); }

  /// Once every connection is gone, the server still answers a new client.
  void expect_serves_again() {
    ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 0; }));
    auto c = client();
    const auto r = c.Get("/v1/leader");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }

  FakeBackend backend;
  std::unique_ptr<ControlServer> server;
};

/// Connects `fd` to `addr` and makes its reads time out after 20 s; -1 (and `fd` closed) when
/// the connection fails.
template <class Addr>
int connected(int fd, const Addr& addr) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/// A connected TCP socket to 127.0.0.1:`port` (reads time out after 20 s), or -1.
inline int connect_tcp(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connected(::socket(AF_INET, SOCK_STREAM, 0), addr);
}

/// A connected unix-domain socket to `path` (reads time out after 20 s), or -1.
inline int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  return connected(::socket(AF_UNIX, SOCK_STREAM, 0), addr);
}

inline void send_text(int fd, const std::string& text) {
  (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

/// Everything the server sends until it closes (or 20 s pass).
inline std::string read_to_end(int fd) {
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
  }
  return answer;
}

/// One response with a Content-Length body (what came before the server closed, otherwise).
inline std::string read_response(int fd) {
  std::string data;
  char buf[4096];
  while (true) {
    const auto head_end = data.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto cl = data.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) {
        const auto length = std::stoul(data.substr(cl + 16));
        if (data.size() >= head_end + 4 + length) return data;
      }
    }
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

/// The JSON body of a whole response.
inline json body_of(const std::string& response) {
  const auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return nullptr;
  return json::parse(response.substr(head_end + 4), nullptr, false);
}

/// Sends `request` as is and returns everything the server answers until it closes.
inline std::string raw_exchange(int port, const std::string& request) {
  const int fd = connect_tcp(port);
  if (fd < 0) return "connect failed";
  send_text(fd, request);
  auto answer = read_to_end(fd);
  ::close(fd);
  return answer;
}

}  // namespace elector::daemon::testing
