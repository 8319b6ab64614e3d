#include "daemon/http_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/http/write.hpp>

#include "daemon/http_connection.hpp"
#include "daemon/http_message.hpp"

namespace elector::daemon {

namespace {

using std::chrono::milliseconds;

constexpr int kBacklog = 128;
/// How soon accepting is retried after it failed (e.g. out of file descriptors).
constexpr milliseconds kAcceptRetry{100};

/// Asio opens sockets without close-on-exec; hooks (child processes) must not inherit them.
void set_cloexec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

HttpResponse plain_error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = message + "\n";
  return r;
}

/// The port of a bound TCP endpoint.
int port_of(const boost::asio::generic::stream_protocol::endpoint& ep) {
  if (ep.data()->sa_family == AF_INET && ep.size() >= sizeof(sockaddr_in)) {
    sockaddr_in a{};
    std::memcpy(&a, ep.data(), sizeof a);
    return ntohs(a.sin_port);
  }
  if (ep.data()->sa_family == AF_INET6 && ep.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 a{};
    std::memcpy(&a, ep.data(), sizeof a);
    return ntohs(a.sin6_port);
  }
  return -1;
}

}  // namespace

HttpServer::Impl::Impl(HttpServerOptions o, HttpHandler h)
    : opts(std::move(o)), handler(std::move(h)) {
  if (!opts.error_response) opts.error_response = plain_error;
  gate->io = &io;
}

// ---- HttpExchange ----

HttpExchange::HttpExchange(HttpRequest request, std::weak_ptr<HttpConnection> connection,
                           std::shared_ptr<HttpServerGate> gate)
    : request_(std::move(request)), connection_(std::move(connection)), gate_(std::move(gate)) {}

HttpExchange::~HttpExchange() {
  if (answered_.load()) return;
  gate_->post([c = connection_] {
    if (auto conn = c.lock()) conn->respond_error(500, "the request was not answered");
  });
}

void HttpExchange::respond(HttpResponse response) {
  if (answered_.exchange(true)) return;
  gate_->post([c = connection_, r = std::move(response)] {
    if (auto conn = c.lock()) conn->respond(r);
  });
}

void HttpExchange::stream(HttpResponse head, std::shared_ptr<StreamSource> source,
                          std::chrono::milliseconds keepalive, std::string keepalive_text) {
  if (answered_.exchange(true)) return;
  gate_->post([c = connection_, h = std::move(head), s = std::move(source), keepalive,
               t = std::move(keepalive_text)]() mutable {
    if (auto conn = c.lock()) conn->stream(h, std::move(s), keepalive, std::move(t));
  });
}

// ---- HttpServer::Impl ----

void HttpServer::Impl::accept() {
  acceptor->async_accept([this](const boost::system::error_code& ec, HttpSocket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(const boost::system::error_code& ec, HttpSocket socket) {
  if (stopping.load() || ec == boost::asio::error::operation_aborted || !acceptor->is_open())
    return;
  if (ec) {
    // Out of descriptors or memory: the listener stays, and accepting resumes shortly.
    if (!accept_error_logged) spdlog::warn("control API: accept failed: {}", ec.message());
    accept_error_logged = true;
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](const boost::system::error_code& e) {
      if (!e && !stopping.load()) accept();
    });
    return;
  }
  accept_error_logged = false;
  set_cloexec(socket.native_handle());
  if (conns.size() >= opts.max_connections) {
    refuse(socket);
  } else {
    if (tcp) {
      // Small answers go out at once rather than after the client's delayed ACK.
      boost::system::error_code ignored;
      socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    }
    auto c = std::make_shared<HttpConnection>(*this, std::move(socket));
    conns.emplace(c.get(), c);
    conn_count.store(conns.size());
    c->start();
  }
  accept();
}

void HttpServer::Impl::refuse(HttpSocket& socket) {
  // Without waiting (the client may not read): the request that may already be here is taken
  // first, so that closing does not reset the connection before the answer is read.
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  std::array<char, 4096> discard{};
  socket.read_some(boost::asio::buffer(discard), ignored);
  const auto answer =
      whole_message(opts.error_response(503, "too many connections (at most " +
                                                 std::to_string(opts.max_connections) + ")"),
                    true, false);
  boost::beast::http::write(socket, answer, ignored);
  socket.shutdown(boost::asio::socket_base::shutdown_send, ignored);
  socket.close(ignored);
}

void HttpServer::Impl::forget(HttpConnection* c) {
  conns.erase(c);
  conn_count.store(conns.size());
}

void HttpServer::Impl::pump_streams() {
  wake_pending.store(false);
  std::vector<std::shared_ptr<HttpConnection>> streams;
  for (const auto& [ptr, c] : conns) {
    if (c->streaming()) streams.push_back(c);
  }
  for (const auto& c : streams) c->pump();
}

void HttpServer::Impl::shutdown_all() {
  boost::system::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  accept_retry.cancel();
  // close() removes each connection from the map: take them out first.
  auto all = std::move(conns);
  conns.clear();
  conn_count.store(0);
  for (auto& [ptr, c] : all) c->shutdown();
}

// ---- HttpServer ----

HttpServer::HttpServer(HttpServerOptions opts, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(opts), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop();
}

bool HttpServer::listen_tcp(const std::string& host, int port, std::string& error) {
  auto& s = *impl_;
  if (s.acceptor) {
    error = "already listening";
    return false;
  }
  boost::system::error_code ec;
  boost::asio::ip::tcp::resolver resolver(s.io);
  const auto results = resolver.resolve(
      host, std::to_string(port),
      boost::asio::ip::resolver_base::passive | boost::asio::ip::resolver_base::numeric_service,
      ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  error = "no address to bind";
  // As a host name may give several addresses: the first that can be bound.
  for (const auto& entry : results) {
    const boost::asio::generic::stream_protocol::endpoint ep(entry.endpoint());
    HttpAcceptor a(s.io);
    a.open(ep.protocol(), ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    set_cloexec(a.native_handle());
    // A restart binds while the old connections linger in TIME_WAIT. (No SO_REUSEPORT: two
    // daemons must not share one control port silently.)
    a.set_option(boost::asio::socket_base::reuse_address(true), ec);
    a.bind(ep, ec);
    if (!ec) a.listen(kBacklog, ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    const auto local = a.local_endpoint(ec);
    s.port = ec ? port : port_of(local);
    s.tcp = true;
    s.acceptor.emplace(std::move(a));
    error.clear();
    return true;
  }
  return false;
}

bool HttpServer::listen_unix(const std::string& path, std::string& error) {
  auto& s = *impl_;
  if (s.acceptor) {
    error = "already listening";
    return false;
  }
  if (path.empty()) {
    error = "empty socket path";
    return false;
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    error = "socket path too long (at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
            " bytes)";
    return false;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = "the file exists and is not a socket";
      return false;
    }
    // A socket file outlives a daemon that was killed: replace it, unless someone listens.
    boost::asio::local::stream_protocol::socket probe(s.io);
    boost::system::error_code ec;
    probe.connect(boost::asio::local::stream_protocol::endpoint(path), ec);
    if (!ec) {
      error = "another process is listening on it";
      return false;
    }
    if (ec != boost::asio::error::connection_refused) {
      error = ec.message();
      return false;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      error = std::string("cannot remove the stale socket: ") + std::strerror(errno);
      return false;
    }
  }
  const boost::asio::generic::stream_protocol::endpoint ep{
      boost::asio::local::stream_protocol::endpoint(path)};
  HttpAcceptor a(s.io);
  boost::system::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec) a.bind(ep, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  set_cloexec(a.native_handle());
  // Before listen(): nobody can connect while the file still has the umask's mode. Whoever can
  // reach the socket can trigger elections: only our user.
  if (::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0 || ::lstat(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    ::unlink(path.c_str());
    return false;
  }
  a.listen(kBacklog, ec);
  if (ec) {
    error = ec.message();
    ::unlink(path.c_str());
    return false;
  }
  s.unix_path = path;
  s.unix_stat = st;
  s.acceptor.emplace(std::move(a));
  return true;
}

int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::start() {
  auto& s = *impl_;
  if (s.thread.joinable() || s.stopped || !s.acceptor) return;
  s.accept();
  s.thread = std::thread([&s] {
    pthread_setname_np(pthread_self(), "elector-control");  // shown by top -H and /proc
    while (true) {
      try {
        s.io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("control API: {}", e.what());
      }
    }
  });
}

void HttpServer::stop() {
  auto& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  s.stopping.store(true);
  if (s.thread.joinable()) {
    // Once everything is closed the I/O context runs out of work and its thread ends.
    s.gate->post([&s] { s.shutdown_all(); });
    s.thread.join();
  } else {
    s.shutdown_all();
  }
  s.gate->close();
  // The completions of what was closed (and late answers) run here, so that no connection is
  // left to the I/O context's destructor.
  s.io.restart();
  s.io.poll();
  if (!s.unix_path.empty()) {
    struct stat st {};
    // Another daemon may have replaced the file meanwhile: only remove our own.
    if (::lstat(s.unix_path.c_str(), &st) == 0 && st.st_dev == s.unix_stat.st_dev &&
        st.st_ino == s.unix_stat.st_ino) {
      ::unlink(s.unix_path.c_str());
    }
  }
}

void HttpServer::wake_streams() {
  auto& s = *impl_;
  if (s.stopping.load() || s.stream_count.load() == 0) return;
  // A burst of events needs one pass over the streams, not one each.
  if (s.wake_pending.exchange(true)) return;
  s.gate->post([&s] { s.pump_streams(); });
}

std::size_t HttpServer::connections() const {
  return impl_->conn_count.load();
}

}  // namespace elector::daemon
