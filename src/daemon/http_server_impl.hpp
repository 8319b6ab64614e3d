// The inside of http_server.hpp, shared by the server (http_server.cpp) and its connections
// (http_connection.cpp): the I/O context, the listener, the registry of connections.
//
// Threading: as http_server.hpp. Everything here runs on the I/O thread unless marked: the
// gate, the counters and `stopping` may be used from any thread.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/http_server.hpp"

namespace elector::daemon {

using HttpSocket = boost::asio::generic::stream_protocol::socket;
using HttpAcceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

/// Posts to the server's I/O thread while the server exists; afterwards posts are dropped. It
/// lets exchanges answer from other threads without keeping the server alive.
struct HttpServerGate {
  template <class F>
  void post(F&& f) {
    const std::lock_guard lock(mu);
    if (io != nullptr) boost::asio::post(*io, std::forward<F>(f));
  }
  void close() {
    const std::lock_guard lock(mu);
    io = nullptr;
  }

  std::mutex mu;
  boost::asio::io_context* io = nullptr;  // guarded by mu
};

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h);

  void accept();
  void on_accept(const boost::system::error_code& ec, HttpSocket socket);
  void refuse(HttpSocket& socket);
  void forget(HttpConnection* c);
  void pump_streams();
  void shutdown_all();

  // The I/O context is declared first so that it is destroyed last: the sockets and timers
  // below belong to it.
  boost::asio::io_context io{1};
  std::shared_ptr<HttpServerGate> gate = std::make_shared<HttpServerGate>();
  HttpServerOptions opts;
  HttpHandler handler;
  std::optional<HttpAcceptor> acceptor;
  boost::asio::steady_timer accept_retry{io};
  bool tcp = false;
  int port = -1;
  /// The unix socket file we created, removed at stop() if it is still ours.
  std::string unix_path;
  struct stat unix_stat {};

  /// Every open connection: the registry owns them between I/O operations, e.g. while another
  /// thread computes an answer.
  std::unordered_map<HttpConnection*, std::shared_ptr<HttpConnection>> conns;
  std::atomic<std::size_t> conn_count{0};
  std::atomic<std::size_t> stream_count{0};
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stopping{false};
  bool stopped = false;
  bool accept_error_logged = false;
  std::thread thread;
};

}  // namespace elector::daemon
