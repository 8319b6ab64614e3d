#include "daemon/control_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/daemon_test_util.hpp"
#include "daemon/event_json.hpp"
#include "daemon/http_request.hpp"
#include "daemon/metrics.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
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

TEST_F(ControlServerTest, Leader) {
  backend.leader_view = {"box1", 7, false};
  auto c = client();
  auto r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(body(r),
            (json{{"leader", "box1"}, {"term", 7}, {"is_leader", false}, {"lease_left_ms", 0}}));

  backend.leader_view = {std::nullopt, 8, false};
  r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r),
            (json{{"leader", nullptr}, {"term", 8}, {"is_leader", false}, {"lease_left_ms", 0}}));

  // The time left on the lease travels in whole milliseconds, rounded down.
  backend.leader_view = {"box1", 9, true, std::chrono::microseconds(1'234'999)};
  r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r),
            (json{{"leader", "box1"}, {"term", 9}, {"is_leader", true}, {"lease_left_ms", 1234}}));
}

TEST_F(ControlServerTest, Status) {
  auto& s = backend.node_status;
  s.name = "box2";
  s.listen = "127.0.0.1:7002";
  s.leader = "box1";
  s.term = 7;
  s.is_leader = false;
  s.role = elector::NodeRole::follower;
  s.lease_left = elector::ms(0);
  s.quorum_met = true;
  s.quorum_size = 1;
  s.strategy = "priority";
  s.priority = 2;
  s.candidate = true;
  s.settings_hash = 0x9f3c0a1b2c3d4e5fULL;
  s.settings_mismatch = {"box9"};
  s.members_by_status = {{elector::MemberState::alive, 5}};
  s.elections = 3;
  s.uptime = elector::ms(81234);
  s.state_file = "/var/lib/elector/box2.state";
  s.state_saved = false;
  s.state_save_failures = 4;
  auto c = client();
  const auto r = c.Get("/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json expected = {{"name", "box2"},
                         {"listen", "127.0.0.1:7002"},
                         {"control", "127.0.0.1:" + std::to_string(server->port())},
                         {"leader", "box1"},
                         {"term", 7},
                         {"is_leader", false},
                         {"role", "follower"},
                         {"lease_left_ms", 0},
                         {"quorum_size", 1},
                         {"quorum", 1},
                         {"cluster_size", 1},
                         {"availability_mode", false},
                         {"quorum_met", true},
                         {"strategy", "priority"},
                         {"priority", 2},
                         {"candidate", true},
                         {"settings_hash", "9f3c0a1b2c3d4e5f"},
                         {"settings_mismatch", {"box9"}},
                         {"members", {{"alive", 5}, {"suspect", 0}, {"dead", 0}, {"left", 0}}},
                         {"elections", 3},
                         {"uptime_ms", 81234},
                         {"state_file", "/var/lib/elector/box2.state"},
                         {"state_saved", false},
                         {"state_save_failures", 4},
                         {"pid", ::getpid()}};
  EXPECT_EQ(body(r), expected);
}

TEST_F(ControlServerTest, StatusSpellsEveryRole) {
  const std::pair<elector::NodeRole, const char*> roles[] = {
      {elector::NodeRole::follower, "follower"},
      {elector::NodeRole::pre_candidate, "pre_candidate"},
      {elector::NodeRole::candidate, "candidate"},
      {elector::NodeRole::leader, "leader"}};
  auto c = client();
  for (const auto& [role, text] : roles) {
    backend.node_status.role = role;
    const auto r = c.Get("/v1/status");
    ASSERT_TRUE(r);
    EXPECT_EQ(body(r).at("role"), text);
  }
}

TEST_F(ControlServerTest, MembersSortedByName) {
  elector::NodeMember b;
  b.name = "box2";
  b.addr = "127.0.0.1:7002";
  b.control = "127.0.0.1:17002";
  b.status = elector::MemberState::suspect;
  b.priority = 2;
  b.candidate = false;
  b.settings_match = false;
  b.self = true;
  elector::NodeMember a;
  a.name = "box1";
  a.addr = "127.0.0.1:7001";
  a.status = elector::MemberState::alive;
  a.priority = 1;
  backend.member_list = {b, a};
  auto c = client();
  const auto r = c.Get("/v1/members");
  ASSERT_TRUE(r);
  const json expected = {{"members",
                          {{{"name", "box1"},
                            {"addr", "127.0.0.1:7001"},
                            {"control", ""},
                            {"status", "alive"},
                            {"priority", 1},
                            {"candidate", true},
                            {"settings_match", true},
                            {"self", false}},
                           {{"name", "box2"},
                            {"addr", "127.0.0.1:7002"},
                            {"control", "127.0.0.1:17002"},
                            {"status", "suspect"},
                            {"priority", 2},
                            {"candidate", false},
                            {"settings_match", false},
                            {"self", true}}}}};
  EXPECT_EQ(body(r), expected);
}

TEST_F(ControlServerTest, ElectAnswersAtOnce) {
  auto c = client();
  auto r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "started"}}));
  EXPECT_EQ(backend.elects, 1);

  backend.elect_result = elector::ElectResult::quorum_not_met;
  r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body(r), (json{{"error", "quorum not met"}, {"result", "quorum_not_met"}}));

  backend.elect_result = elector::ElectResult::stopped;
  r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body(r), (json{{"error", "node is stopping"}, {"result", "stopped"}}));
}

TEST_F(ControlServerTest, ElectSync) {
  backend.sync_result = {elector::ElectResult::started, "box1", 8, false};
  auto c = client();
  auto r = c.Post("/v1/elect?sync=true");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "started"}, {"leader", "box1"}, {"term", 8}}));
  EXPECT_EQ(backend.last_sync_timeout, elector::ms(5000));

  backend.sync_result = {elector::ElectResult::started, std::nullopt, 0, true};
  r = c.Post("/v1/elect?sync=true&timeout_ms=250");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(body(r), (json{{"error", "no leader within 250 ms"}, {"result", "started"}}));
  EXPECT_EQ(backend.last_sync_timeout, elector::ms(250));

  backend.sync_result = {elector::ElectResult::quorum_not_met, std::nullopt, 0, false};
  r = c.Post("/v1/elect?sync=true");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body(r)["result"], "quorum_not_met");

  r = c.Post("/v1/elect?sync=true&timeout_ms=soon");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body(r)["error"].get<std::string>().find("timeout_ms"), std::string::npos);

  r = c.Post("/v1/elect?sync=perhaps");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(ControlServerTest, ClearLeader) {
  auto c = client();
  const auto r = c.Post("/v1/clear-leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "cleared"}}));
  EXPECT_EQ(backend.clears, 1);
}

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
int connect_tcp(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connected(::socket(AF_INET, SOCK_STREAM, 0), addr);
}

/// A connected unix-domain socket to `path` (reads time out after 20 s), or -1.
int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  return connected(::socket(AF_UNIX, SOCK_STREAM, 0), addr);
}

void send_text(int fd, const std::string& text) {
  (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

/// Everything the server sends until it closes (or 20 s pass).
std::string read_to_end(int fd) {
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
  }
  return answer;
}

/// One response with a Content-Length body (what came before the server closed, otherwise).
std::string read_response(int fd) {
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
json body_of(const std::string& response) {
  const auto head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return nullptr;
  return json::parse(response.substr(head_end + 4), nullptr, false);
}

/// Sends `request` as is and returns everything the server answers until it closes.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = connect_tcp(port);
  if (fd < 0) return "connect failed";
  send_text(fd, request);
  auto answer = read_to_end(fd);
  ::close(fd);
  return answer;
}

TEST_F(ControlServerTest, PostWithoutContentLength) {
  // What `curl -X POST` sends: no Content-Length, no body.
  auto a = raw_exchange(server->port(),
                        "POST /v1/elect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_NE(a.find("{\"result\":\"started\"}"), std::string::npos) << a;
  a = raw_exchange(server->port(),
                   "POST /v1/clear-leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_EQ(backend.elects, 1);
  EXPECT_EQ(backend.clears, 1);
}

TEST_F(ControlServerTest, UnknownPathAndWrongMethod) {
  auto c = client();
  auto r = c.Get("/v1/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(body(r)["error"].get<std::string>().find("/v1/nope"), std::string::npos);
  r = c.Get("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
  EXPECT_EQ(backend.elects, 0);
  r = c.Post("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST_F(ControlServerTest, Metrics) {
  auto& s = backend.node_status;
  s.term = 7;
  s.is_leader = true;
  s.members_by_status = {{elector::MemberState::alive, 5}, {elector::MemberState::dead, 1}};
  s.elections = 3;
  s.campaigns = {{"vote", {{"won", 2}, {"timed_out", 5}}}};
  s.vote_refusals = {{"promised", 9}};
  s.quorum_met = true;
  s.settings_mismatch = {"x", "y"};
  s.state_saved = false;
  s.state_save_failures = 12;
  backend.transport.messages_in = 1234;
  backend.transport.messages_out = 1230;
  backend.transport.bytes_in = 98765;
  backend.transport.bytes_out = 97654;
  backend.transport.dropped = {{"unauthenticated", 2}, {"replayed", 0}};
  backend.transport.in_by_kind = {{"heartbeat", 1100}, {"ping", 67}};
  backend.transport.out_by_kind = {{"ack", 67}};
  auto c = client();
  const auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), kMetricsContentType);
  const std::string& m = r->body;
  for (const char* line :
       {"elector_term 7\n",
        "elector_is_leader 1\n",
        "elector_members{state=\"alive\"} 5\n",
        "elector_members{state=\"suspect\"} 0\n",
        "elector_members{state=\"dead\"} 1\n",
        "elector_members{state=\"left\"} 0\n",
        "elector_elections_total 3\n",
        "elector_campaigns_total{round=\"vote\",outcome=\"won\"} 2\n",
        "elector_campaigns_total{round=\"vote\",outcome=\"timed_out\"} 5\n",
        "elector_vote_refusals_total{reason=\"promised\"} 9\n",
        "elector_messages_total{direction=\"in\"} 1234\n",
        "elector_messages_total{direction=\"out\"} 1230\n",
        "elector_messages_by_kind_total{direction=\"in\",kind=\"heartbeat\"} 1100\n",
        "elector_messages_by_kind_total{direction=\"in\",kind=\"ping\"} 67\n",
        "elector_messages_by_kind_total{direction=\"out\",kind=\"ack\"} 67\n",
        "elector_bytes_total{direction=\"in\"} 98765\n",
        "elector_bytes_total{direction=\"out\"} 97654\n",
        "elector_packets_dropped_total{reason=\"unauthenticated\"} 2\n",
        "elector_packets_dropped_total{reason=\"replayed\"} 0\n",
        "elector_quorum_met 1\n",
        "elector_settings_mismatch 2\n",
        "elector_state_saved 0\n",
        "elector_state_save_failures_total 12\n",
        "# TYPE elector_elections_total counter\n",
        "# TYPE elector_term gauge\n"}) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\nin:\n" << m;
  }
  // The member states come in one order, every state once, even those no member is in.
  EXPECT_NE(m.find("elector_members{state=\"alive\"} 5\n"
                   "elector_members{state=\"suspect\"} 0\n"
                   "elector_members{state=\"dead\"} 1\n"
                   "elector_members{state=\"left\"} 0\n"
                   "# HELP elector_elections_total"),
            std::string::npos)
      << m;
  // Every line is a comment or `name[{labels}] value`.
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(line.rfind("elector_", 0) == 0) << line;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stoull(line.substr(space + 1))) << line;
  }
}

TEST(Metrics, LabelValuesAreEscaped) {
  elector::TransportStats st;
  st.dropped = {{"we\"ird\\", 1}};
  const auto m = render_metrics(elector::NodeStatus{}, st);
  EXPECT_NE(m.find("elector_packets_dropped_total{reason=\"we\\\"ird\\\\\"} 1\n"),
            std::string::npos)
      << m;
}

/// Reads an event stream on its own thread until told to stop.
class StreamReader {
 public:
  StreamReader(int port, std::string path = "/v1/events") : client_("127.0.0.1", port) {
    client_.set_read_timeout(30, 0);
    thread_ = std::thread([this, path] {
      auto r = client_.Get(path.c_str(), [&](const char* data, std::size_t len) {
        const std::lock_guard lock(mu_);
        text_.append(data, len);
        return !stop_;
      });
      const std::lock_guard lock(mu_);
      if (r) status_ = r->status;
      ended_ = true;
    });
  }
  ~StreamReader() {
    stop();
    // Without this the reader would wait for the next keepalive to notice it should stop.
    client_.stop();
    thread_.join();
  }
  void stop() {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  std::string text() {
    const std::lock_guard lock(mu_);
    return text_;
  }
  bool ended() {
    const std::lock_guard lock(mu_);
    return ended_;
  }
  int status() {
    const std::lock_guard lock(mu_);
    return status_;
  }

 private:
  std::mutex mu_;
  std::string text_;
  bool stop_ = false;
  bool ended_ = false;
  int status_ = 0;
  httplib::Client client_;
  std::thread thread_;
};

TEST_F(ControlServerTest, EventStreamDeliversPublishedEvents) {
  ControlServerOptions o;
  o.keepalive = 100ms;
  start(o);
  StreamReader reader(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  const auto line = event_line(elector::from_ns(123456789), "box2",
                               elector::LeaderChanged{std::string("box1"), 7});
  server->publish("leader_changed", line);
  const std::string frame = "event: leader_changed\ndata: " + line + "\n\n";
  ASSERT_TRUE(testing::wait_until([&] { return reader.text().find(frame) != std::string::npos; }))
      << reader.text();
  EXPECT_EQ(
      line,
      R"({"t_mono_ns":123456789,"node":"box2","event":"leader_changed","leader":"box1","term":7})");
  // Idle streams get keepalive comments.
  ASSERT_TRUE(testing::wait_until(
      [&] { return reader.text().find(": keepalive\n\n") != std::string::npos; }));

  // A client that goes away is unsubscribed (noticed at the next write).
  reader.stop();
  ASSERT_TRUE(testing::wait_until([&] { return reader.ended(); }));
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 0; }));
}

TEST_F(ControlServerTest, StopDoesNotHangOnOpenStreams) {
  StreamReader a(server->port());
  StreamReader b(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 2; }));
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(testing::wait_until([&] { return a.ended() && b.ended(); }));
  EXPECT_EQ(server->event_streams(), 0U);
}

TEST_F(ControlServerTest, TooManyStreamsAreRefused) {
  ControlServerOptions o;
  o.max_event_streams = 1;
  start(o);
  StreamReader first(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  StreamReader second(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return second.ended(); }));
  EXPECT_EQ(second.status(), 503);
  // Other requests are still served.
  auto c = client();
  const auto r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

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

TEST_F(ControlServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  backend.leader_view = {"box1", 7, false};
  const int fd = connect_tcp(server->port());
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /v1/leader HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = read_response(fd);
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_EQ(a.find("Connection: close"), std::string::npos) << a;
  EXPECT_EQ(server->connections(), 1U);
  // The same connection again, then two requests sent at once (pipelined).
  send_text(fd, "POST /v1/clear-leader HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  a = read_response(fd);
  EXPECT_EQ(body_of(a), (json{{"result", "cleared"}})) << a;
  send_text(fd,
            "GET /v1/leader HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /v1/members HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  a = read_to_end(fd);
  ::close(fd);
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  const auto second = a.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << a;
  EXPECT_NE(a.find("Connection: close", second), std::string::npos) << a;
  EXPECT_NE(a.find("{\"members\":[]}", second), std::string::npos) << a;
  EXPECT_EQ(backend.clears, 1);
  EXPECT_TRUE(testing::wait_until([&] { return server->connections() == 0; }));
}

TEST_F(ControlServerTest, Http10ClosesUnlessKeptAlive) {
  const auto a = raw_exchange(server->port(), "GET /v1/leader HTTP/1.0\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_NE(a.find("Connection: close"), std::string::npos) << a;
}

TEST_F(ControlServerTest, BodyTooLargeIs413) {
  const auto a = raw_exchange(
      server->port(), "POST /v1/elect HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" +
                          std::string(70000, 'x'));
  EXPECT_EQ(a.rfind("HTTP/1.1 413", 0), 0U) << a.substr(0, 200);
  EXPECT_NE(body_of(a)["error"].get<std::string>().find("too large"), std::string::npos) << a;
  EXPECT_EQ(backend.elects, 0);
  // A body within the limit is read (and ignored) before the answer.
  const auto ok = raw_exchange(server->port(),
                               "POST /v1/elect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                               "Connection: close\r\n\r\nhello");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0U) << ok;
  EXPECT_EQ(backend.elects, 1);
}

TEST_F(ControlServerTest, HeaderTooLargeIs431) {
  const auto a = raw_exchange(server->port(), "GET /v1/leader HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                                  std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 431", 0), 0U) << a.substr(0, 200);
  EXPECT_TRUE(body_of(a).contains("error")) << a;
}

TEST_F(ControlServerTest, MalformedRequestsAre400) {
  for (const char* request :
       {"GARBAGE\r\n\r\n", "GET /v1/leader\r\n\r\n", "GET v1/leader HTTP/1.1\r\n\r\n",
        "GET /v1/leader HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /v1/leader HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST /v1/elect?sync=%zz HTTP/1.1\r\n\r\n"}) {
    const auto a = raw_exchange(server->port(), request);
    EXPECT_EQ(a.rfind("HTTP/1.1 400", 0), 0U) << request << "\n" << a;
    EXPECT_NE(a.find("Connection: close"), std::string::npos) << a;
    EXPECT_TRUE(body_of(a).contains("error")) << a;
  }
  auto a = raw_exchange(server->port(),
                        "POST /v1/elect HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "0\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 411", 0), 0U) << a;
  a = raw_exchange(server->port(), "GET /v1/leader HTTP/2.0\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 505", 0), 0U) << a;
  EXPECT_EQ(backend.elects, 0);
}

TEST_F(ControlServerTest, QueryIsPercentDecoded) {
  backend.sync_result = {elector::ElectResult::started, "box1", 8, false};
  auto c = client();
  const auto r = c.Post("/v1/elect?sync=%74rue&timeout_ms=%32%350");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(backend.last_sync_timeout, elector::ms(250));
}

TEST_F(ControlServerTest, HeadHasNoBody) {
  const auto a = raw_exchange(server->port(),
                              "HEAD /v1/leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_NE(a.find("Content-Length: "), std::string::npos) << a;
  EXPECT_EQ(a.substr(a.find("\r\n\r\n") + 4), "") << a;
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

TEST_F(ControlServerTest, ClientLeavingMidStreamIsUnsubscribed) {
  const int fd = connect_tcp(server->port());
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  server->publish("leader_changed", "{\"leader\":\"box1\"}");
  std::string seen;
  ASSERT_TRUE(testing::wait_until([&] {
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
    return seen.find("data: {\"leader\":\"box1\"}\n\n") != std::string::npos;
  })) << seen;
  EXPECT_EQ(seen.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << seen;
  EXPECT_NE(seen.find("Content-Type: text/event-stream\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Cache-Control: no-cache\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << seen;
  ::close(fd);
  // Noticed at once (long before the 15 s keepalive), and publishing afterwards is harmless.
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 0; }, 5s));
  for (int i = 0; i < 100; ++i) server->publish("e", "{}");
  expect_serves_again();
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

TEST(HttpRequestParser, CutsRequestsOutOfTheBytes) {
  std::string buf = "GET /a%20b?x=1&y=a+b%21&flag HTTP/1.1\r\nHost: h\r\nX-Y:  v \r\n\r\nPOST";
  HttpRequest r;
  auto p = parse_http_request(buf, HttpLimits{}, r);
  ASSERT_EQ(p.state, HttpParse::State::complete) << p.message;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/a b");
  ASSERT_NE(r.param("y"), nullptr);
  EXPECT_EQ(*r.param("y"), "a b!");
  ASSERT_NE(r.param("flag"), nullptr);
  EXPECT_EQ(*r.param("flag"), "");
  EXPECT_EQ(r.param("z"), nullptr);
  ASSERT_NE(r.header("x-y"), nullptr);
  EXPECT_EQ(*r.header("x-y"), "v");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(buf, "POST");

  // The rest arrives in pieces: incomplete until the whole body is there.
  buf += " /p HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab";
  p = parse_http_request(buf, HttpLimits{}, r);
  EXPECT_EQ(p.state, HttpParse::State::incomplete);
  buf += "cd";
  p = parse_http_request(buf, HttpLimits{}, r);
  ASSERT_EQ(p.state, HttpParse::State::complete) << p.message;
  EXPECT_EQ(r.body, "abcd");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(buf.empty());
}

TEST(HttpRequestParser, LimitsAndErrors) {
  HttpLimits small;
  small.max_header_bytes = 64;
  small.max_body_bytes = 10;
  HttpRequest r;
  std::string buf = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  EXPECT_EQ(parse_http_request(buf, small, r).status, 431);  // before the head is complete
  buf = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  buf = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  buf = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  // The field refused decides, not a later one: the answer must not depend on how much of the
  // head has arrived (Beast may refuse a field before the head is complete).
  // A folded Content-Length is refused as the folded whole, which is known only once the line
  // after it has arrived.
  for (const std::string head :
       {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: POST / HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 99999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 7\r\n folded\r\n"
        "Content-Length: 99999999999999999999999\r\n\r\n"}) {
    for (std::size_t cut = 1; cut <= head.size(); ++cut) {
      buf = head.substr(0, cut);
      HttpParse p = parse_http_request(buf, small, r);
      if (p.state == HttpParse::State::incomplete) {
        buf += head.substr(cut);
        p = parse_http_request(buf, small, r);
      }
      EXPECT_EQ(p.status, 400) << head << " cut after " << cut << " bytes";
    }
  }
  buf = "POST / HTTP/1.1\r\nContent-Length:\r\n 3\r\n\r\nabc";  // folded, but a number
  EXPECT_EQ(parse_http_request(buf, small, r).state, HttpParse::State::complete);
  EXPECT_EQ(r.body, "abc");
  buf = "GET / HTTP/1.1\r\n folded\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "BAD LINE\r\n";  // rejected without waiting for the rest of the head
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "GET / HTTP/1.1\r";
  EXPECT_EQ(parse_http_request(buf, small, r).state, HttpParse::State::incomplete);
  std::string out;
  EXPECT_FALSE(percent_decode("%4", false, out));
  EXPECT_FALSE(percent_decode("%g0", false, out));
  EXPECT_TRUE(percent_decode("a+b%2B", false, out));
  EXPECT_EQ(out, "a+b+");
}

TEST(EventBroadcaster, SlowSubscriberLosesOldestAndIsTold) {
  EventBroadcaster b(EventBroadcaster::Options{2, 4});
  auto sub = b.subscribe();
  ASSERT_TRUE(sub);
  b.publish("e", "1");
  b.publish("e", "2");
  b.publish("e", "3");
  std::string out;
  EXPECT_EQ(sub->next(0ms, out), EventBroadcaster::Subscription::Wait::frames);
  const auto& e = b.epoch();
  EXPECT_EQ(out, "id: " + e + "-1\nevent: dropped\ndata: {\"event\":\"dropped\",\"count\":1}\n\n" +
                     "id: " + e + "-2\nevent: e\ndata: 2\n\nid: " + e +
                     "-3\nevent: e\ndata: 3\n\n");
  out.clear();
  EXPECT_EQ(sub->next(1ms, out), EventBroadcaster::Subscription::Wait::timeout);
  b.close();
  EXPECT_EQ(sub->next(10s, out), EventBroadcaster::Subscription::Wait::closed);
  EXPECT_FALSE(b.subscribe());
  sub.reset();
  EXPECT_EQ(b.subscribers(), 0U);
}

}  // namespace
}  // namespace elector::daemon
