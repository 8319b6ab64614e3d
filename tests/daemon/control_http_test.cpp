// The control server's HTTP on the wire, spoken by hand over raw sockets: keep-alive and
// pipelined requests, HTTP/1.0, HEAD, percent-encoded queries, and the status codes of requests
// that are too large or malformed.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

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

}  // namespace
}  // namespace elector::daemon
