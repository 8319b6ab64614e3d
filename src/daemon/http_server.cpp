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
#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "daemon/peer_address.hpp"

namespace electord {

namespace {

using Socket = asio::generic::stream_protocol::socket;
using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;
using std::chrono::milliseconds;

constexpr int kBacklog = 128;
/// How long a connection that was answered "Connection: close" may take to close its side.
constexpr milliseconds kLinger{2'000};
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
int port_of(const asio::generic::stream_protocol::endpoint& ep) {
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

/// Posts to the server's I/O thread while the server exists; afterwards posts are dropped. It
/// lets exchanges answer from other threads without keeping the server alive.
struct HttpServerGate {
  template <class F>
  void post(F&& f) {
    const std::lock_guard lock(mu);
    if (io != nullptr) asio::post(*io, std::forward<F>(f));
  }
  void close() {
    const std::lock_guard lock(mu);
    io = nullptr;
  }

  std::mutex mu;
  asio::io_context* io = nullptr;  // guarded by mu
};

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h) : opts(std::move(o)), handler(std::move(h)) {
    if (!opts.error_response) opts.error_response = plain_error;
    gate->io = &io;
  }

  void accept();
  void on_accept(const asio::error_code& ec, Socket socket);
  void refuse(Socket& socket);
  void forget(HttpConnection* c);
  void pump_streams();
  void shutdown_all();

  // The I/O context is declared first so that it is destroyed last: the sockets and timers
  // below belong to it.
  asio::io_context io{1};
  std::shared_ptr<HttpServerGate> gate = std::make_shared<HttpServerGate>();
  HttpServerOptions opts;
  HttpHandler handler;
  std::optional<Acceptor> acceptor;
  asio::steady_timer accept_retry{io};
  bool tcp = false;
  int port = -1;
  /// The unix socket file we created, removed at stop() if it is still ours.
  std::string unix_path;
  struct stat unix_stat {};

  /// Every open connection (I/O thread only): the registry owns them between I/O operations,
  /// e.g. while another thread computes an answer.
  std::unordered_map<HttpConnection*, std::shared_ptr<HttpConnection>> conns;
  std::atomic<std::size_t> conn_count{0};
  std::atomic<std::size_t> stream_count{0};
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stopping{false};
  bool stopped = false;
  bool accept_error_logged = false;
  std::thread thread;
};

/// One client connection. Everything but construction runs on the I/O thread, so no member needs
/// a lock.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpServer::Impl& server, Socket socket)
      : server_(server), socket_(std::move(socket)), timer_(server.io) {
    asio::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    if (!ec) peer_ = describe_peer(remote.data(), remote.size());
  }

  void start() {
    arm_timer(server_.opts.idle_timeout);
    read();
  }

  [[nodiscard]] bool streaming() const { return phase_ == Phase::streaming; }

  /// The handler's answer (posted by HttpExchange::respond).
  void respond(const HttpResponse& r) {
    if (phase_ != Phase::handling) return;  // closed meanwhile
    const bool last = !keep_alive_ || server_.stopping.load();
    phase_ = Phase::writing;
    write(serialize_response(r, last, head_only_), [self = shared_from_this(), last] {
      if (last) return self->linger();
      self->phase_ = Phase::reading;
      self->arm_timer(self->server_.opts.idle_timeout);
      self->parse();  // a pipelined request may be waiting already
    });
  }

  /// Answers with the server's own error response (nobody answered, or the handler threw).
  void respond_error(int status, const std::string& message) {
    respond(server_.opts.error_response(status, message));
  }

  /// The handler's streamed answer (posted by HttpExchange::stream).
  void stream(const HttpResponse& head, std::shared_ptr<StreamSource> source,
              milliseconds keepalive, std::string keepalive_text) {
    if (phase_ != Phase::handling) return;
    phase_ = Phase::streaming;
    source_ = std::move(source);
    ++server_.stream_count;
    keepalive_ = keepalive;
    keepalive_text_ = std::move(keepalive_text);
    write(serialize_stream_head(head), [self = shared_from_this()] { self->stream_written(); });
    // The client sends nothing more; a read notices at once when it goes away.
    read();
  }

  /// Sends what the stream's source has, unless a write is under way (its completion pulls
  /// again).
  void pump() {
    if (phase_ != Phase::streaming || writing_) return;
    std::string data;
    if (source_->pull(data) == StreamSource::Pull::end) return end_stream(data);
    if (!data.empty()) {
      write(http_chunk(data), [self = shared_from_this()] { self->stream_written(); });
    }
  }

  /// For stop(): a stream that is not in the middle of a write gets its last chunk (without
  /// waiting: the client may not read), then the connection closes.
  void shutdown() {
    if (phase_ == Phase::streaming && !writing_) {
      (void)::send(socket_.native_handle(), kHttpLastChunk.data(), kHttpLastChunk.size(),
                   MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    close();
  }

  void close() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    asio::error_code ignored;
    socket_.close(ignored);
    ++timer_gen_;
    timer_.cancel();
    if (source_) {
      // Dropping the source ends its subscription now rather than at the next event.
      source_.reset();
      --server_.stream_count;
    }
    server_.forget(this);  // may drop the last reference: nothing after this
  }

 private:
  enum class Phase {
    /// Waiting for (the rest of) a request.
    reading,
    /// The handler has the request; no I/O until it answers.
    handling,
    /// Writing a whole response.
    writing,
    /// Writing a streamed response (reads only notice the client leaving).
    streaming,
    /// Answered with "Connection: close": our side is shut, waiting for the client's.
    draining,
    closed,
  };

  void read() {
    if (reading_ || phase_ == Phase::closed) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(rbuf_),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              self->reading_ = false;
                              self->on_read(ec, n);
                            });
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    if (phase_ == Phase::closed) return;
    if (ec) return close();  // the client went away (or the socket was closed)
    if (phase_ == Phase::reading) {
      in_.append(rbuf_.data(), n);
      return parse();
    }
    // Streaming or draining: what the client sends is of no use.
    read();
  }

  void parse() {
    HttpRequest request;
    const auto p = parse_http_request(in_, server_.opts.limits, request);
    switch (p.state) {
      case HttpParse::State::incomplete:
        return read();
      case HttpParse::State::error:
        // Where the next request would begin is unknown: answer and close.
        phase_ = Phase::handling;
        keep_alive_ = false;
        head_only_ = false;
        in_.clear();
        return respond_error(p.status, p.message);
      case HttpParse::State::complete:
        return dispatch(std::move(request));
    }
  }

  void dispatch(HttpRequest request) {
    phase_ = Phase::handling;
    ++timer_gen_;
    timer_.cancel();  // a handler may take long (elect?sync=true): not an idle connection
    keep_alive_ = request.keep_alive;
    head_only_ = request.method == "HEAD";
    request.peer = peer_.text;
    request.peer_local = peer_.local;
    auto exchange =
        std::make_shared<HttpExchange>(std::move(request), weak_from_this(), server_.gate);
    try {
      server_.handler(exchange);
    } catch (const std::exception& e) {
      spdlog::error("control API: {} {}: {}", exchange->request().method,
                    exchange->request().target, e.what());
      HttpResponse r = server_.opts.error_response(500, e.what());
      exchange->respond(std::move(r));
    }
  }

  template <class Done>
  void write(std::string bytes, Done done) {
    writing_ = true;
    out_ = std::move(bytes);
    // A stream's client has a whole keepalive interval to take each write.
    if (phase_ == Phase::streaming) arm_timer(keepalive_);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), done = std::move(done)](
                          const asio::error_code& ec, std::size_t) mutable {
                        self->writing_ = false;
                        if (self->phase_ == Phase::closed) return;
                        if (ec) return self->close();
                        done();
                      });
  }

  void stream_written() {
    if (phase_ != Phase::streaming) return;
    arm_timer(keepalive_);
    pump();
  }

  void end_stream(const std::string& data) {
    std::string last = http_chunk(data);
    last.append(kHttpLastChunk);
    write(std::move(last), [self = shared_from_this()] { self->linger(); });
  }

  /// Shuts our side and waits (briefly) for the client to close its side, so that bytes it is
  /// still sending do not turn our close into a reset that could destroy the answer in flight.
  void linger() {
    if (phase_ == Phase::closed) return;
    if (source_) {
      source_.reset();
      --server_.stream_count;
    }
    phase_ = Phase::draining;
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    arm_timer(std::min(kLinger, server_.opts.idle_timeout));
    read();
  }

  void arm_timer(milliseconds after) {
    const auto gen = ++timer_gen_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), gen](const asio::error_code& ec) {
      // A timer re-armed or cancelled after it expired still completes: the generation tells.
      if (ec || gen != self->timer_gen_) return;
      self->on_timer();
    });
  }

  void on_timer() {
    switch (phase_) {
      case Phase::reading:  // idle keep-alive connection or a request that does not come
      case Phase::draining:
        return close();
      case Phase::streaming:
        return keepalive();
      case Phase::handling:
      case Phase::writing:
      case Phase::closed:
        return;
    }
  }

  void keepalive() {
    // The write under way has waited a whole interval: the client does not read.
    if (writing_) return close();
    std::string data;
    if (source_->pull(data) == StreamSource::Pull::end) return end_stream(data);
    if (data.empty()) data = keepalive_text_;
    write(http_chunk(data), [self = shared_from_this()] { self->stream_written(); });
  }

  HttpServer::Impl& server_;
  Socket socket_;
  PeerAddress peer_{"unknown", false};
  asio::steady_timer timer_;
  std::uint64_t timer_gen_ = 0;
  Phase phase_ = Phase::reading;
  bool reading_ = false;
  bool writing_ = false;
  bool keep_alive_ = true;
  bool head_only_ = false;
  std::string in_;
  std::string out_;
  std::array<char, 4096> rbuf_{};
  std::shared_ptr<StreamSource> source_;
  milliseconds keepalive_{15'000};
  std::string keepalive_text_;
};

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
  acceptor->async_accept(
      [this](const asio::error_code& ec, Socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(const asio::error_code& ec, Socket socket) {
  if (stopping.load() || ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of descriptors or memory: the listener stays, and accepting resumes shortly.
    if (!accept_error_logged) spdlog::warn("control API: accept failed: {}", ec.message());
    accept_error_logged = true;
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](const asio::error_code& e) {
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
      asio::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    auto c = std::make_shared<HttpConnection>(*this, std::move(socket));
    conns.emplace(c.get(), c);
    conn_count.store(conns.size());
    c->start();
  }
  accept();
}

void HttpServer::Impl::refuse(Socket& socket) {
  // Without waiting (the client may not read): the request that may already be here is taken
  // first, so that closing does not reset the connection before the answer is read.
  const int fd = socket.native_handle();
  std::array<char, 4096> discard{};
  (void)::recv(fd, discard.data(), discard.size(), MSG_DONTWAIT);
  const auto bytes =
      serialize_response(opts.error_response(503, "too many connections (at most " +
                                                      std::to_string(opts.max_connections) + ")"),
                         true, false);
  (void)::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  asio::error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_send, ignored);
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
  asio::error_code ignored;
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
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(s.io);
  const auto results = resolver.resolve(
      host, std::to_string(port),
      asio::ip::resolver_base::passive | asio::ip::resolver_base::numeric_service, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  error = "no address to bind";
  // As a host name may give several addresses: the first that can be bound.
  for (const auto& entry : results) {
    const asio::generic::stream_protocol::endpoint ep(entry.endpoint());
    Acceptor a(s.io);
    a.open(ep.protocol(), ec);
    if (ec) {
      error = ec.message();
      continue;
    }
    set_cloexec(a.native_handle());
    // A restart binds while the old connections linger in TIME_WAIT. (No SO_REUSEPORT: two
    // daemons must not share one control port silently.)
    a.set_option(asio::socket_base::reuse_address(true), ec);
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
    asio::local::stream_protocol::socket probe(s.io);
    asio::error_code ec;
    probe.connect(asio::local::stream_protocol::endpoint(path), ec);
    if (!ec) {
      error = "another process is listening on it";
      return false;
    }
    if (ec != asio::error::connection_refused) {
      error = ec.message();
      return false;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      error = std::string("cannot remove the stale socket: ") + std::strerror(errno);
      return false;
    }
  }
  const asio::generic::stream_protocol::endpoint ep{asio::local::stream_protocol::endpoint(path)};
  Acceptor a(s.io);
  asio::error_code ec;
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

}  // namespace electord
