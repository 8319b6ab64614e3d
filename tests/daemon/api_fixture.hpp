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
#include "daemon/control_server_fixture.hpp"
#include "daemon/daemon_test_util.hpp"

namespace elector::daemon::testing {

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

  FakeBackend backend;
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
    stop();
    // Without this the reader would wait for the next keepalive to notice it should stop.
    client_.stop();
    thread_.join();
  }
  /// The reader takes nothing more once the next bytes arrive.
  void stop() {
    const std::lock_guard lock(mu_);
    stop_ = true;
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
