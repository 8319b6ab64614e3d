// Where the control server listens and how it treats its connections: a busy port and unix
// sockets, concurrent requests, a synchronous election that does not block other requests,
// clients that leave mid-request, idle connections, the connection cap, and stop().

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"
#include "daemon/daemon_test_util.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST_F(ControlServerTest, BusyPortIsAClearError) {
  ControlServerOptions o;
  o.host = "127.0.0.1";
  o.port = server->port();
  FakeBackend other;
  ControlServer second(other, o);
  std::string err;
  EXPECT_FALSE(second.bind(err));
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(server->port())), std::string::npos) << err;
}

TEST_F(ControlServerTest, ConcurrentRequests) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto c = client();
      for (int i = 0; i < 20; ++i) {
        const auto r = c.Get("/v1/leader");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(ControlServerTest, UnixSocket) {
  testing::TempDir dir;
  const auto path = dir.file("control.sock");
  // A socket file left by a daemon that was killed: replaced.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  ControlServerOptions o;
  o.host = "unix:" + path;
  ControlServer unix_server(backend, o);
  std::string err;
  ASSERT_TRUE(unix_server.bind(err)) << err;
  EXPECT_EQ(unix_server.address(), "unix:" + path);
  EXPECT_EQ(unix_server.port(), -1);
  unix_server.start();
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  backend.leader_view = {"box1", 7, true};
  const int fd = connect_unix(path);
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /v1/leader HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = read_response(fd);
  EXPECT_EQ(a.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << a;
  EXPECT_NE(a.find("Content-Type: application/json\r\n"), std::string::npos) << a;
  EXPECT_EQ(body_of(a),
            (json{{"leader", "box1"}, {"term", 7}, {"is_leader", true}, {"lease_left_ms", 0}}));
  send_text(fd, "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  a = read_to_end(fd);
  ::close(fd);
  EXPECT_EQ(body_of(a)["control"], "unix:" + path) << a;

  // A second server on the same path: refused while the first listens.
  ControlServer second(backend, o);
  EXPECT_FALSE(second.bind(err));
  EXPECT_NE(err.find("cannot listen on unix:" + path), std::string::npos) << err;
  EXPECT_NE(err.find("another process is listening"), std::string::npos) << err;

  unix_server.stop();
  EXPECT_NE(::lstat(path.c_str(), &st), 0) << "the socket file outlived stop()";
}

TEST_F(ControlServerTest, UnixSocketPathThatIsNotASocket) {
  testing::TempDir dir;
  const auto path = dir.file("regular");
  testing::write_file(path, "data");
  ControlServerOptions o;
  o.host = "unix:" + path;
  ControlServer s(backend, o);
  std::string err;
  EXPECT_FALSE(s.bind(err));
  EXPECT_NE(err.find("not a socket"), std::string::npos) << err;
  EXPECT_EQ(testing::slurp(path), "data");
}

TEST_F(ControlServerTest, SyncElectionDoesNotBlockOtherRequests) {
  backend.hold_sync = true;
  backend.sync_result = {elector::ElectResult::started, "box1", 8, false};
  std::thread waiter([&] {
    auto c = client();
    const auto r = c.Post("/v1/elect?sync=true");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  });
  ASSERT_TRUE(testing::wait_until([&] {
    const std::lock_guard lock(backend.mu);
    return backend.syncs_waiting == 1;
  }));
  // Served while the election is pending; so are event streams.
  auto c = client();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  backend.release_sync();
  waiter.join();
}

TEST_F(ControlServerTest, ClientLeavingMidRequestIsHarmless) {
  for (const char* partial :
       {"GET /v1/lea", "POST /v1/elect HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"}) {
    const int fd = connect_tcp(server->port());
    ASSERT_GE(fd, 0);
    send_text(fd, partial);
    ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 1; }));
    ::close(fd);
    ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 0; }));
  }
  EXPECT_EQ(backend.elects, 0);
  auto c = client();
  ASSERT_TRUE(c.Get("/v1/leader"));
}

TEST_F(ControlServerTest, IdleConnectionsAreClosed) {
  ControlServerOptions o;
  o.idle_connection = 200ms;
  start(o);
  const int fd = connect_tcp(server->port());
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /v1/leader HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto a = read_response(fd);
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  // Nothing more is sent: the server closes the connection.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(read_to_end(fd), "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ::close(fd);
  EXPECT_TRUE(testing::wait_until([&] { return server->connections() == 0; }));
}

TEST_F(ControlServerTest, TooManyConnectionsAreRefused) {
  ControlServerOptions o;
  o.max_connections = 2;
  start(o);
  const int a = connect_tcp(server->port());
  const int b = connect_tcp(server->port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 2; }));
  const auto refused = raw_exchange(server->port(), "GET /v1/leader HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(refused.empty() || refused.rfind("HTTP/1.1 503", 0) == 0) << refused;
  EXPECT_EQ(server->connections(), 2U);
  ::close(a);
  ::close(b);
  expect_serves_again();
}

TEST_F(ControlServerTest, StopClosesEveryConnectionPromptly) {
  const int idle = connect_tcp(server->port());
  const int partial = connect_tcp(server->port());
  send_text(partial, "GET /v1/le");
  ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 2; }));
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(read_to_end(idle), "");
  EXPECT_EQ(read_to_end(partial), "");
  ::close(idle);
  ::close(partial);
  // Nobody answers any more.
  EXPECT_EQ(raw_exchange(server->port(), "GET /v1/leader HTTP/1.1\r\n\r\n").find("HTTP"),
            std::string::npos);
}

}  // namespace
}  // namespace elector::daemon
