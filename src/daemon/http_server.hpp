// A small HTTP/1.1 server on standalone Asio, made for the control API: one listener (TCP
// HOST:PORT or a unix-domain socket), keep-alive, bounded connections and request sizes, and
// streamed responses (server-sent events) that hold no thread.
//
// Why not a library: the HTTP library the daemon used links OpenSSL, zlib and brotli, which cost
// every daemon more memory than the rest of it, and it cannot listen on a unix socket.
//
// Threading: one I/O thread (start()) runs every connection. Handlers are called on it and must
// not block: a handler that has to wait hands its HttpExchange to another thread, which answers
// it later. A streamed body is pulled from its StreamSource on the I/O thread, when
// wake_streams() says there may be something new and when the keepalive interval passes.
//
// Thread safety: listen_tcp(), listen_unix(), start() and stop() are for the owning thread.
// wake_streams() and connections() may be called from any thread, as may an HttpExchange's
// respond() and stream(). An exchange outliving the server is harmless: its answer is dropped.
// This header does not include Asio (its users need not build with Asio's settings).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "daemon/http_request.hpp"
#include "daemon/http_response.hpp"

namespace elector::daemon {

class HttpConnection;   // http_server.cpp
struct HttpServerGate;  // http_server.cpp

/// The body of a streamed response, pulled by the server on its I/O thread.
///
/// Thread safety: pull() is only called on the server's I/O thread; the source is destroyed on
/// whichever thread drops the last reference (the I/O thread once the connection closes).
class StreamSource {
 public:
  enum class Pull {
    /// `out` got data.
    data,
    /// Nothing to send now.
    none,
    /// The stream is over (`out` may hold a last piece); the connection is closed after it.
    end,
  };
  virtual ~StreamSource() = default;
  /// Appends what is ready to `out`, without blocking.
  virtual Pull pull(std::string& out) = 0;
};

/// One request and the means to answer it, once, from any thread.
class HttpExchange {
 public:
  /// For the server (the connection and gate are opaque to everyone else).
  HttpExchange(HttpRequest request, std::weak_ptr<HttpConnection> connection,
               std::shared_ptr<HttpServerGate> gate);
  /// An exchange dropped without an answer answers 500, so that the client does not wait for
  /// ever.
  ~HttpExchange();
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;

  [[nodiscard]] const HttpRequest& request() const { return request_; }

  /// Sends `response` (with Content-Length). Only the first respond() or stream() counts.
  void respond(HttpResponse response);
  /// Sends `head` with chunked transfer coding, then what `source` yields, until the source ends,
  /// the client goes away or the server stops. When nothing was sent for `keepalive`,
  /// `keepalive_text` is sent (so that a vanished client is noticed and proxies keep the
  /// connection); a client that has not taken a write within the options' `stream_stall` is
  /// disconnected.
  void stream(HttpResponse head, std::shared_ptr<StreamSource> source,
              std::chrono::milliseconds keepalive, std::string keepalive_text);

 private:
  HttpRequest request_;
  std::weak_ptr<HttpConnection> connection_;
  std::shared_ptr<HttpServerGate> gate_;
  std::atomic<bool> answered_{false};
};

using HttpHandler = std::function<void(const std::shared_ptr<HttpExchange>&)>;

struct HttpServerOptions {
  /// Connections open at once; one more is answered 503 and closed.
  std::size_t max_connections = 64;
  /// A connection waiting this long for (the rest of) a request is closed. Not applied while a
  /// request is handled or a stream is open.
  std::chrono::milliseconds idle_timeout{30'000};
  /// A stream's client that leaves a write untaken this long (or one keepalive interval, if
  /// longer) is dropped: its socket's send buffer has been full all that time.
  std::chrono::milliseconds stream_stall{10'000};
  HttpLimits limits;
  /// Builds the answer to a request the server refuses itself (malformed, too large, too many
  /// connections, unanswered). Null: a text/plain message.
  std::function<HttpResponse(int status, const std::string& message)> error_response;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions opts, HttpHandler handler);
  /// stop()s.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens on HOST:PORT (port 0: any free one). False with `error` set (e.g.
  /// "Address already in use") when it cannot. At most one listen_*() succeeds per server.
  bool listen_tcp(const std::string& host, int port, std::string& error);
  /// Binds and listens on a unix-domain socket at `path` (mode 0600). A socket file nobody
  /// listens on any more is replaced; a live one or a file of another kind is an error. The file
  /// is removed by stop().
  bool listen_unix(const std::string& path, std::string& error);
  /// The TCP port bound, -1 before listen_tcp() or for a unix socket.
  [[nodiscard]] int port() const;

  /// Serves on a thread of its own.
  void start();
  /// Stops accepting, closes every connection (a stream gets its last chunk when it can), joins
  /// the I/O thread and removes the unix socket file. Idempotent; the server cannot be started
  /// again.
  void stop();

  /// Says that stream sources may have new data: every open stream is pulled soon.
  void wake_streams();
  /// Connections open now.
  [[nodiscard]] std::size_t connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace elector::daemon
