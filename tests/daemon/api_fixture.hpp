// A control server on 127.0.0.1 in front of a node whose answers the test sets, and a reader of
// its event stream: what the tests of the probes, the event stream and the blocking query share.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "daemon/daemon_test_util.hpp"

namespace elector::daemon::testing {

/// A node as the control API sees it; the test sets leader_view and node_status (under mu when
/// the server may be reading them).
class ApiBackend final : public ControlBackend {
 public:
  [[nodiscard]] LeaderView leader() const override {
    const std::lock_guard lock(mu);
    return leader_view;
  }
  [[nodiscard]] elector::NodeStatus status() const override {
    const std::lock_guard lock(mu);
    return node_status;
  }
  [[nodiscard]] std::vector<elector::NodeMember> members() const override { return {}; }
  [[nodiscard]] elector::TransportStats stats() const override { return {}; }
  elector::ElectResult elect() override { return elector::ElectResult::started; }
  elector::ElectSyncResult elect_sync(elector::Duration) override { return {}; }
  void clear_leader() override {}

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
  LeaderView leader_view;
  elector::NodeStatus node_status;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(ControlServerOptions{}); }

  void start(ControlServerOptions o) {
    if (server) server->stop();
    server.reset();
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<ControlServer>(backend, o);
    std::string err;
    ASSERT_TRUE(server->bind(err)) << err;
    server->start();
  }

  [[nodiscard]] httplib::Client client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(30, 0);
    c.set_connection_timeout(20, 0);
    return c;
  }

  static nlohmann::json body(const httplib::Result& r) { return nlohmann::json::parse(r->body); }

  ApiBackend backend;
  std::unique_ptr<ControlServer> server;
};

/// Reads GET /v1/events on its own thread until destroyed or the stream ends.
class EventReader {
 public:
  explicit EventReader(int port, httplib::Headers headers = {}) : client_("127.0.0.1", port) {
    client_.set_read_timeout(30, 0);
    thread_ = std::thread([this, headers = std::move(headers)] {
      auto r = client_.Get("/v1/events", headers, [&](const char* data, std::size_t len) {
        const std::lock_guard lock(mu_);
        text_.append(data, len);
        return !stop_;
      });
      const std::lock_guard lock(mu_);
      if (r) status_ = r->status;
      ended_ = true;
    });
  }
  ~EventReader() {
    {
      const std::lock_guard lock(mu_);
      stop_ = true;
    }
    client_.stop();
    thread_.join();
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

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
  /// Waits until the stream holds `needle`.
  bool wait_for(const std::string& needle) {
    return wait_until([&] { return text().find(needle) != std::string::npos; });
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

}  // namespace elector::daemon::testing
