// The HTTP server's bytes on the wire, below the control API: response framing (Beast's
// serializer with our field order and reason phrases), streamed bodies chunk by chunk, answers the
// server gives itself, and the request rules Beast's parser does not have of its own.

#include "daemon/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

#include <boost/beast/http/write.hpp>

#include "daemon/daemon_test_util.hpp"
#include "daemon/http_message.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;

template <class Message>
std::string bytes_of(const Message& m) {
  std::ostringstream out;
  out << m;
  return out.str();
}

HttpResponse conflict() {
  HttpResponse r;
  r.status = 409;
  r.content_type = "application/json";
  r.headers = {{"Allow", "POST"}, {"X-Two", "b"}};
  r.body = "{}\n";
  return r;
}

TEST(HttpMessage, WholeResponseKeepsFieldOrderAndReason) {
  EXPECT_EQ(bytes_of(whole_message(conflict(), false, false)),
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nAllow: POST\r\n"
            "X-Two: b\r\nContent-Length: 3\r\n\r\n{}\n");
  EXPECT_EQ(bytes_of(whole_message(conflict(), true, false)),
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nAllow: POST\r\n"
            "X-Two: b\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}\n");
  // HEAD: the length of the body that is left out.
  EXPECT_EQ(bytes_of(whole_message(conflict(), false, true)),
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nAllow: POST\r\n"
            "X-Two: b\r\nContent-Length: 3\r\n\r\n");
  HttpResponse r;
  r.status = 413;
  EXPECT_EQ(bytes_of(whole_message(r, true, false)),
            "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  r.status = 299;
  EXPECT_EQ(bytes_of(whole_message(r, false, false)).rfind("HTTP/1.1 299 Unknown\r\n", 0), 0U);
}

/// A stream body fed by the test.
class QueueSource final : public StreamSource {
 public:
  void push(const std::string& s, bool last = false) {
    const std::lock_guard lock(mu_);
    pieces_.push_back(s);
    end_ = last;
  }
  Pull pull(std::string& out) override {
    const std::lock_guard lock(mu_);
    ++pulls_;
    for (auto& p : pieces_) out += p;
    pieces_.clear();
    if (end_) return Pull::end;
    return out.empty() ? Pull::none : Pull::data;
  }
  /// Pulled at least once: the head's write is complete.
  bool pulled() {
    const std::lock_guard lock(mu_);
    return pulls_ > 0;
  }

 private:
  std::mutex mu_;
  std::deque<std::string> pieces_;
  bool end_ = false;
  int pulls_ = 0;
};

/// An HttpServer on 127.0.0.1 with the test's handler, and raw client sockets to it.
class HttpServerTest : public ::testing::Test {
 protected:
  void serve(HttpHandler handler, HttpServerOptions opts = {}) {
    server = std::make_unique<HttpServer>(std::move(opts), std::move(handler));
    std::string err;
    ASSERT_TRUE(server->listen_tcp("127.0.0.1", 0, err)) << err;
    server->start();
  }

  /// A connection that has sent `request`; reads time out after 20 s.
  int send_request(const std::string& request) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    timeval tv{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    return fd;
  }

  /// Reads until `received` ends with `expected` (or the peer closes, or 20 s pass).
  static std::string read_until(int fd, std::string& received, const std::string& expected) {
    char buf[4096];
    while (!received.ends_with(expected)) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      received.append(buf, static_cast<std::size_t>(n));
    }
    return received;
  }

  static bool peer_closed(int fd) {
    char c = 0;
    return ::recv(fd, &c, 1, 0) == 0;
  }

  std::unique_ptr<HttpServer> server;
};

TEST_F(HttpServerTest, StreamIsChunkedPieceByPieceAndEndsWithTheLastChunk) {
  auto source = std::make_shared<QueueSource>();
  serve([&](const std::shared_ptr<HttpExchange>& ex) {
    HttpResponse head;
    head.content_type = "text/event-stream";
    head.headers.emplace_back("Cache-Control", "no-cache");
    ex->stream(std::move(head), source, 60s, ": keepalive\n\n");
  });
  const int fd = send_request("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_GE(fd, 0);
  std::string got;
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(read_until(fd, got, head), head);
  source->push("hello");
  server->wake_streams();
  EXPECT_EQ(read_until(fd, got, "5\r\nhello\r\n"), head + "5\r\nhello\r\n");
  source->push("0123456789abcdefg", true);
  server->wake_streams();
  const std::string tail = "11\r\n0123456789abcdefg\r\n0\r\n\r\n";
  EXPECT_EQ(read_until(fd, got, tail), head + "5\r\nhello\r\n" + tail);
  EXPECT_TRUE(peer_closed(fd));
  ::close(fd);
}

TEST_F(HttpServerTest, StopEndsAnOpenStreamWithTheLastChunk) {
  auto source = std::make_shared<QueueSource>();
  serve([&](const std::shared_ptr<HttpExchange>& ex) {
    ex->stream(HttpResponse{}, source, 60s, ": keepalive\n\n");
  });
  const int fd = send_request("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_GE(fd, 0);
  std::string got;
  read_until(fd, got, "\r\n\r\n");
  ASSERT_EQ(got, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  // Not in the middle of a write (one that is gets no last chunk: it would corrupt the write).
  ASSERT_TRUE(testing::wait_until([&] { return source->pulled(); }));
  server->stop();
  EXPECT_EQ(read_until(fd, got, "0\r\n\r\n").substr(got.find("\r\n\r\n") + 4), "0\r\n\r\n");
  EXPECT_TRUE(peer_closed(fd));
  ::close(fd);
}

TEST_F(HttpServerTest, AStreamClientThatStopsReadingIsDroppedAfterTheStallNotTheKeepalive) {
  auto source = std::make_shared<QueueSource>();
  HttpServerOptions opts;
  opts.stream_stall = 400ms;
  serve(
      [&](const std::shared_ptr<HttpExchange>& ex) {
        ex->stream(HttpResponse{}, source, 20ms, ": keepalive\n\n");
      },
      opts);
  const int fd = send_request("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::wait_until([&] { return source->pulled(); }));
  // Far more than the sockets' buffers hold, so that the write stays under way: the client never
  // reads another byte.
  const auto t0 = std::chrono::steady_clock::now();
  source->push(std::string(std::size_t{64} << 20, 'x'));
  server->wake_streams();
  ASSERT_TRUE(testing::wait_until([&] { return server->connections() == 0; }, 20s));
  // A stuck write was given the stall, not one 20 ms keepalive interval.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
  ::close(fd);
}

TEST_F(HttpServerTest, UnansweredAndFailedRequestsAre500) {
  serve([](const std::shared_ptr<HttpExchange>& ex) {
    if (ex->request().path == "/throw") throw std::runtime_error("boom");
    // Otherwise dropped without an answer.
  });
  for (const char* path : {"/throw", "/drop"}) {
    const int fd = send_request(std::string("GET ") + path +
                                " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_GE(fd, 0);
    std::string got;
    read_until(fd, got, "\n\n");
    ::close(fd);
    EXPECT_EQ(got.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0U) << got;
    EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
    EXPECT_TRUE(got.ends_with(std::string("/throw") == path ? "\r\n\r\nboom\n"
                                                            : "the request was not answered\n"))
        << got;
  }
}

TEST(HttpRequestParser, TransferEncodingIs411WhicheverFieldComesFirst) {
  HttpRequest r;
  for (const char* head :
       {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"}) {
    std::string buf = head;
    EXPECT_EQ(parse_http_request(buf, HttpLimits{}, r).status, 411) << head;
  }
}

TEST(HttpRequestParser, LinesEndWithCrLf) {
  HttpRequest r;
  std::string buf = "GET / HTTP/1.1\nHost: x\n\n";
  const auto p = parse_http_request(buf, HttpLimits{}, r);
  EXPECT_EQ(p.state, HttpParse::State::error);
  EXPECT_EQ(p.status, 400);
  // Equal duplicate lengths are one length; leading empty lines are skipped.
  buf = "\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nokGET";
  ASSERT_EQ(parse_http_request(buf, HttpLimits{}, r).state, HttpParse::State::complete);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(buf, "GET");
}

}  // namespace
}  // namespace elector::daemon
