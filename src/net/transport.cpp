#include "net/transport.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "net/connection.hpp"
#include "net/stats.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {

using asio::ip::tcp;
using asio::ip::udp;

bool split_host_port(const std::string& addr, std::string& host, std::uint16_t& port) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) return false;
  std::string h = addr.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned long p = 0;
  for (std::size_t i = colon + 1; i < addr.size(); ++i) {
    const char c = addr[i];
    if (c < '0' || c > '9') return false;
    p = p * 10 + static_cast<unsigned long>(c - '0');
    if (p > 65535) return false;
  }
  host = std::move(h);
  port = static_cast<std::uint16_t>(p);
  return true;
}

namespace {

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Time mono() {
  return Time(std::chrono::steady_clock::now().time_since_epoch());
}

std::chrono::steady_clock::time_point to_steady(Time t) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}

Drop drop_of(wire::OpenError e) {
  switch (e) {
    case wire::OpenError::truncated:
      return Drop::truncated;
    case wire::OpenError::malformed:
      return Drop::malformed;
    case wire::OpenError::oversized:
      return Drop::oversized;
    case wire::OpenError::unauthenticated:
      return Drop::unauthenticated;
    case wire::OpenError::replayed:
      return Drop::replayed;
    case wire::OpenError::stale:
      return Drop::stale;
  }
  return Drop::malformed;
}

Drop drop_of(wire::DecodeError e) {
  switch (e) {
    case wire::DecodeError::truncated:
      return Drop::truncated;
    case wire::DecodeError::malformed:
      return Drop::malformed;
    case wire::DecodeError::oversized:
      return Drop::oversized;
    case wire::DecodeError::unknown_kind:
      return Drop::unknown_kind;
  }
  return Drop::malformed;
}

/// Descriptors max_connections leaves to the rest of the process when derived from the limit:
/// the control API's 64 clients and event streams, hooks' pipes, the logs, the listening sockets
/// and the loop's own (epoll, timer, eventfd), with room to spare.
constexpr std::size_t kReservedFiles = 256;
/// The derived max_connections never exceeds this: more than a member of the largest cluster
/// measured holds, and few enough that a flood of members' connections stays affordable.
constexpr std::size_t kMaxDerivedConnections = 4096;

std::size_t connection_cap(std::size_t asked) {
  if (asked != 0) return asked;
  rlimit lim{};
  std::size_t files = 1024;  // the usual soft limit, if it cannot be read
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    files = lim.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::size_t>::max()
                                          : static_cast<std::size_t>(lim.rlim_cur);
  }
  // A tiny limit still leaves half of it to peers.
  const std::size_t room = files > 2 * kReservedFiles ? files - kReservedFiles : files / 2;
  return std::max<std::size_t>(1, std::min(room, kMaxDerivedConnections));
}

/// The host part of "host:port" (the whole text when there is no port), so that one host's flood
/// of connections, each from its own port, is logged once.
std::string host_of(const std::string& remote) {
  const auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

/// How long accepting pauses when the process is out of descriptors.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

constexpr const char* kRefusalReason =
    "authentication failed: this cluster uses another secret (check --cookie-file / "
    "ELECTOR_COOKIE)";

}  // namespace

class Transport::Impl : public std::enable_shared_from_this<Transport::Impl> {
 public:
  Impl(TransportOptions opt, TransportHandlers h)
      : opt_(std::move(opt)),
        handlers_(std::move(h)),
        auth_(opt_.insecure ? wire::Authenticator::insecure(opt_.replay_window_ms)
                            : wire::Authenticator::with_secret(opt_.secret, opt_.replay_window_ms)),
        acceptor_(io_),
        udp_(io_),
        timer_(io_),
        accept_retry_(io_) {
    owner_.packet = [this](const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p) {
      on_tcp_packet(c, p);
    };
    owner_.closed = [this](const std::shared_ptr<Connection>& c) { on_closed(c); };
    owner_.oversized = [this](const std::shared_ptr<Connection>& c) {
      stats_.drop(Drop::oversized);
      if (c->authenticated) {
        say_goodbye(c);
        return;
      }
      give_up(c, Refusal::first_frame_oversized,
              "its first frame was longer than the " + std::to_string(opt_.first_frame_limit) +
                  " bytes allowed before authentication");
    };
  }

  void start() {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(opt_.listen, host, port)) {
      throw std::runtime_error("listen address \"" + opt_.listen + "\" is not HOST:PORT");
    }
    asio::error_code ec;
    tcp::endpoint ep;
    const auto a = asio::ip::make_address(host, ec);
    if (!ec) {
      ep = tcp::endpoint(a, port);
    } else {
      tcp::resolver r(io_);
      auto res = r.resolve(host, std::to_string(port), ec);
      if (ec || res.empty()) {
        throw std::runtime_error("cannot resolve listen host \"" + host + "\": " + ec.message());
      }
      ep = res.begin()->endpoint();
    }
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + opt_.listen + " (tcp): " + ec.message());
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + opt_.listen + ": " + ec.message());
    const auto bound = acceptor_.local_endpoint();
    udp_.open(bound.address().is_v4() ? udp::v4() : udp::v6());
    udp_.bind(udp::endpoint(bound.address(), bound.port()), ec);
    if (ec) throw std::runtime_error("cannot listen on " + opt_.listen + " (udp): " + ec.message());
    // Best effort: a smaller buffer only loses datagrams under a burst. SO_RCVBUFFORCE passes
    // net.core.rmem_max (212992 bytes on a stock kernel: about 180 votes) where the process may
    // (CAP_NET_ADMIN); otherwise the kernel caps SO_RCVBUF at it.
    const int rcvbuf = opt_.udp_receive_buffer;
    if (::setsockopt(udp_.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) !=
        0) {
      udp_.set_option(asio::socket_base::receive_buffer_size(rcvbuf), ec);
    }
    {
      std::lock_guard lk(addr_mu_);
      local_ = host + ":" + std::to_string(bound.port());
    }
    max_connections_ = connection_cap(opt_.max_connections);
    accept();
    receive_datagram();
    sweep_at_ = mono() + sweep_period();
    post([self = shared_from_this()] { self->rearm(); });
    thread_ = std::thread([self = shared_from_this()] {
      pthread_setname_np(pthread_self(), "elector-net");  // shown by top -H and /proc
      self->loop_id_.store(std::this_thread::get_id());
      self->io_.run();
    });
  }

  void stop() {
    if (stopped_.exchange(true) || !thread_.joinable()) return;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    post([&] {
      stopping_ = true;
      asio::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
      ++armed_gen_;
      timer_.cancel();
      std::vector<std::shared_ptr<Connection>> all(conns_.begin(), conns_.end());
      for (auto& c : all) say_goodbye(c);
      std::lock_guard lk(m);
      done = true;
      cv.notify_all();
    });
    {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return done; });
    }
    // Give queued handovers, leaves and goodbyes a moment to reach the peers.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() < deadline && open_conns_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    post([this] {
      std::vector<std::shared_ptr<Connection>> all(conns_.begin(), conns_.end());
      for (auto& c : all) {
        c->closing_by_us = true;
        c->close_now();
      }
      asio::error_code ec;
      udp_.close(ec);
      io_.stop();
    });
    thread_.join();
    // Run what is left (aborted operations) so that no handler keeps this object alive.
    io_.restart();
    io_.poll();
  }

  void send(Outgoing msg) {
    if (stopped_.load()) return;
    if (on_loop_thread()) {
      do_send(msg);
    } else {
      post([self = shared_from_this(), m = std::move(msg)] { self->do_send(m); });
    }
  }

  void post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

  void wake_at(Time t) {
    if (stopped_.load()) return;
    if (on_loop_thread()) {
      arm(t, true);
    } else {
      post([self = shared_from_this(), t] { self->arm(t, false); });
    }
  }

  TransportStats stats() const {
    TransportStats s = stats_.snapshot();
    s.connections = static_cast<std::uint64_t>(std::max(open_conns_.load(), 0));
    return s;
  }
  bool on_loop_thread() const { return std::this_thread::get_id() == loop_id_.load(); }
  std::string local_addr() const {
    std::lock_guard lk(addr_mu_);
    return local_.empty() ? opt_.listen : local_;
  }

 private:
  // ---- timers ----
  // One asio timer serves the core's deadline, the idle-connection sweep and the time limit of
  // connections that have not authenticated (the accept retry's own timer runs only when the
  // process is out of descriptors). Asio reprograms its
  // timerfd only when the earliest of its timers moves earlier; a second timer (the sweep, or a
  // cancelled wait) left the timerfd at a deadline that had gone away, such as a probe's timeout
  // once its ack was in, and an idle process woke for nothing (docs/performance.md).

  /// `replace`: `t` is the core's newest answer, so a pending earlier wake-up is moved too (an
  /// idle process must not wake for a deadline that went away, such as a probe that was
  /// answered); otherwise only an earlier `t` moves it.
  void arm(Time t, bool replace) {
    if (stopping_) return;
    if (replace || t < core_at_) core_at_ = t;
    rearm();
  }

  /// The sweep never wakes a process on its own while anything else does (maybe_sweep runs it on
  /// the next wake-up once due); a process that nothing wakes for a whole sweep period is woken
  /// for it.
  [[nodiscard]] Time sweep_deadline() const {
    return sweep_at_ == kNever ? kNever : sweep_at_ + sweep_period();
  }

  /// When the oldest connection still waiting to authenticate runs out of time.
  [[nodiscard]] Time auth_deadline() const {
    return awaiting_.empty() ? kNever : awaiting_.begin()->second->accepted_at + opt_.auth_timeout;
  }

  void rearm() {
    if (stopping_) return;
    const Time t = std::min({core_at_, sweep_deadline(), auth_deadline()});
    if (t == armed_) return;
    armed_ = t;
    if (t == kNever) {
      ++armed_gen_;
      timer_.cancel();
      return;
    }
    timer_.expires_at(to_steady(t));
    // A wait that had already expired when the timer was moved still completes without error:
    // the generation tells it apart from the current one.
    const std::uint64_t gen = ++armed_gen_;
    timer_.async_wait([self = shared_from_this(), gen](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted || gen != self->armed_gen_) return;
      self->on_timer();
    });
  }

  void on_timer() {
    armed_ = kNever;
    if (stopping_) return;
    const Time now = mono();
    expire_unauthenticated(now);
    maybe_sweep(now);
    if (now >= core_at_) {
      core_at_ = kNever;
      if (handlers_.on_timer) handlers_.on_timer();  // calls wake_at: arms the next deadline
    }
    if (!stopping_) rearm();
  }

  [[nodiscard]] Duration sweep_period() const {
    // A quarter of the idle limit: a connection closes at most a quarter (or, in a process that
    // nothing else wakes, half) late.
    return std::max(Duration(opt_.idle_close / 4), Duration(std::chrono::seconds(1)));
  }

  /// Runs the sweep when due, on whatever woke the process.
  void maybe_sweep(Time now) {
    if (now < sweep_at_) return;
    sweep_at_ = now + sweep_period();
    sweep();
  }

  /// Closes outgoing connections nobody used for a while: push-pulls to random members would
  /// otherwise accumulate descriptors without bound.
  void sweep() {
    const Time now = mono();
    std::vector<std::shared_ptr<Connection>> idle;
    for (const auto& [key, c] : outgoing_) {
      if (now - c->last_used > opt_.idle_close) idle.push_back(c);
    }
    for (auto& c : idle) {
      outgoing_.erase(c->key());
      say_goodbye(c);
    }
    auth_.forget_idle(wall_ms(), 10 * 60 * 1000);
  }

  // ---- sending ----
  std::shared_ptr<const std::vector<std::uint8_t>> seal(wire::PacketType type,
                                                        std::span<const std::uint8_t> payload) {
    return std::make_shared<const std::vector<std::uint8_t>>(
        auth_.seal(type, wire::Identity{opt_.name, opt_.boot}, payload, wall_ms()));
  }

  void do_send(const Outgoing& m) {
    if (stopping_ && !std::holds_alternative<Leave>(m.env.body) &&
        !std::holds_alternative<Resign>(m.env.body)) {
      return;
    }
    encode_buf_.clear();
    wire::encode(m.env, encode_buf_);
    // A broadcast (heartbeats, votes) is the same envelope to every member: the receiver is not
    // part of it, so one sealed packet serves them all. No receiver gets the same sealed packet
    // twice (a deliberate resend would be dropped as a replay), so a repeated destination seals
    // anew.
    const auto ep = resolve(m.to_addr);
    if (!ep) {
      stats_.drop(Drop::unreachable);
      return;
    }
    if (!last_sealed_ || encode_buf_ != last_encoded_ || !sealed_for_.insert(*ep).second) {
      last_sealed_ = seal(wire::PacketType::message, encode_buf_);
      last_encoded_.swap(encode_buf_);
      sealed_for_.clear();
      sealed_for_.insert(*ep);
    }
    const std::size_t kind = m.env.body.index();
    if (m.route == Route::datagram && last_sealed_->size() <= opt_.max_datagram) {
      send_datagram(m.to_addr, kind, last_sealed_);
    } else {
      send_stream(m.to_addr, m.to_name, kind, last_sealed_);
    }
  }

  std::optional<tcp::endpoint> resolve(const std::string& addr) {
    auto it = resolved_.find(addr);
    if (it != resolved_.end()) return it->second;
    std::string host;
    std::uint16_t port = 0;
    std::optional<tcp::endpoint> ep;
    if (split_host_port(addr, host, port)) {
      asio::error_code ec;
      const auto a = asio::ip::make_address(host, ec);
      if (!ec) {
        ep = tcp::endpoint(a, port);
      } else {
        tcp::resolver r(io_);
        auto res = r.resolve(host, std::to_string(port), ec);
        if (!ec && !res.empty()) ep = res.begin()->endpoint();
      }
    }
    if (!ep) log(LogLevel::warn, "cannot resolve address \"" + addr + "\"");
    if (resolved_.size() > 100000) resolved_.clear();
    resolved_[addr] = ep;
    return ep;
  }

  void send_datagram(const std::string& addr, std::size_t kind,
                     std::shared_ptr<const std::vector<std::uint8_t>> p) {
    const auto ep = resolve(addr);
    if (!ep) {
      stats_.drop(Drop::unreachable);
      return;
    }
    stats_.out(kind, p->size());
    const udp::endpoint to(ep->address(), ep->port());
    udp_.async_send_to(asio::buffer(*p), to, [p](const asio::error_code&, std::size_t) {});
  }

  void send_stream(const std::string& addr, const std::string& name, std::size_t kind,
                   std::shared_ptr<const std::vector<std::uint8_t>> p) {
    auto c = stream_to(addr, name);
    if (!c) {
      stats_.drop(Drop::unreachable);
      return;
    }
    const auto n = p->size();
    c->last_used = mono();
    if (!c->queue(std::move(p))) {
      stats_.drop(Drop::send_queue_full);
      return;
    }
    stats_.out(kind, n);
  }

  /// A connection to send to `name` at `addr` on: ours if we have one, else the one the peer
  /// opened to us (a TCP stream carries both ways: an answer to a request, or a follower's
  /// acknowledgement to its leader, needs no connection of its own), else a new one. When a
  /// crashed leader's hundreds of followers campaign and vote, that halves the connections
  /// opened, accepted and greeted in the middle of the failover.
  std::shared_ptr<Connection> stream_to(const std::string& addr, const std::string& name) {
    auto it = outgoing_.find(addr);
    if (it != outgoing_.end() && usable(*it->second)) return it->second;
    if (auto in = incoming_.find(name); in != incoming_.end() && usable(*in->second)) {
      return in->second;
    }
    return outgoing(addr);
  }

  static bool usable(const Connection& c) { return !c.closed() && !c.closing_by_us; }

  std::shared_ptr<Connection> outgoing(const std::string& addr) {
    const auto ep = resolve(addr);
    if (!ep) return nullptr;
    auto c =
        std::make_shared<Connection>(tcp::socket(io_), true, addr, &owner_, opt_.max_queue_bytes);
    c->last_used = mono();
    c->limit_frames(opt_.first_frame_limit);  // until the peer's hello authenticates
    outgoing_[addr] = c;
    conns_.insert(c);
    open_conns_.fetch_add(1);
    // The hello goes first, so that the peer knows who we are even before a message.
    c->queue(seal(wire::PacketType::hello, {}));
    c->socket().async_connect(*ep, [self = shared_from_this(), c](const asio::error_code& ec) {
      if (ec) {
        if (!c->closed()) self->stats_.drop(Drop::unreachable);
        c->close_now();
        return;
      }
      c->start();
    });
    return c;
  }

  void say_goodbye(const std::shared_ptr<Connection>& c) {
    if (c->closed()) return;
    c->queue(seal(wire::PacketType::goodbye, {}));
    c->close_after_flush();
  }

  // ---- receiving ----
  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec, tcp::socket s) {
      if (self->stopping_) return;
      if (!ec) {
        self->admit(std::move(s));
      } else if (ec == asio::error::no_descriptors ||
                 ec == std::errc::too_many_files_open_in_system) {
        self->log_limited(LogLevel::error, "descriptors",
                          "out of file descriptors; raise the limit (ulimit -n)");
        // Not at once: the connection stays in the backlog and the accept would fail again
        // straight away, round and round, until a descriptor is free.
        self->accept_retry_.expires_after(kAcceptRetry);
        self->accept_retry_.async_wait([self](const asio::error_code& e) {
          if (!e && !self->stopping_) self->accept();
        });
        return;
      }
      self->accept();
    });
  }

  /// A connection a peer opened. Within the caps, it is held to first_frame_limit and must
  /// authenticate a packet within auth_timeout (awaiting_); past max_connections it is closed
  /// before anything is sent on it, so the peer learns nothing it could take for our death.
  void admit(tcp::socket s) {
    if (conns_.size() >= max_connections_) {
      asio::error_code ec;
      const auto ep = s.remote_endpoint(ec);
      s.close(ec);
      stats_.refuse(Refusal::connection_limit);
      const std::string host = ec ? std::string("?") : ep.address().to_string();
      warn_limited("limit:" + host, "refused a connection from " + host + ": " +
                                        std::to_string(conns_.size()) +
                                        " connections are open (max_connections)");
      return;
    }
    const std::size_t most = std::max<std::size_t>(1, opt_.max_unauthenticated);
    while (awaiting_.size() >= most) {
      give_up_oldest(Refusal::unauthenticated_limit,
                     std::to_string(awaiting_.size()) +
                         " connections were waiting to authenticate (max_unauthenticated)");
    }
    auto c = std::make_shared<Connection>(std::move(s), false, std::string(), &owner_,
                                          opt_.max_queue_bytes);
    c->last_used = mono();
    c->accepted_at = c->last_used;
    c->limit_frames(opt_.first_frame_limit);
    c->awaiting_auth = ++accepts_;
    awaiting_.emplace(c->awaiting_auth, c);
    conns_.insert(c);
    open_conns_.fetch_add(1);
    c->queue(seal(wire::PacketType::hello, {}));
    c->start();
    if (awaiting_.size() == 1) rearm();
  }

  /// Closes the connections that have waited auth_timeout without authenticating.
  void expire_unauthenticated(Time now) {
    while (!awaiting_.empty() && now >= auth_deadline()) {
      give_up_oldest(Refusal::auth_timeout,
                     "no packet authenticated within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            opt_.auth_timeout)
                                            .count()) +
                         " ms");
    }
  }

  /// Gives up the connection that has waited longest to authenticate, after reading what already
  /// arrived on it: a member's hello that this process has not read yet (its loop was busy, or
  /// the process stopped) still lets the connection in. Either way it leaves awaiting_.
  void give_up_oldest(Refusal why, const std::string& text) {
    const auto c = awaiting_.begin()->second;
    c->read_now();
    if (c->awaiting_auth != 0) give_up(c, why, text);
  }

  /// Closes a connection that has not authenticated, with a goodbye: its peer may be a member
  /// that has read our hello, and must not take the close for our death. Logs `text` (unless
  /// empty) at most once per 10 s per host and reason: a flood comes from many ports.
  void give_up(const std::shared_ptr<Connection>& c, Refusal why, const std::string& text) {
    forget_awaiting(*c);
    stats_.refuse(why);
    if (!text.empty()) {
      const std::string from = host_of(c->remote());
      warn_limited(std::string(to_string(why)) + ":" + from,
                   "closed a connection from " + from + " before it authenticated: " + text);
    }
    if (!c->closing_by_us) say_goodbye(c);
  }

  /// `c` no longer waits to authenticate (it did, or it is closing).
  void forget_awaiting(Connection& c) {
    if (c.awaiting_auth == 0) return;
    const bool oldest = awaiting_.begin()->first == c.awaiting_auth;
    awaiting_.erase(c.awaiting_auth);
    c.awaiting_auth = 0;
    if (oldest) rearm();  // the earliest deadline moved
  }

  void on_tcp_packet(const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p) {
    auto opened = auth_.open(p, wall_ms());
    if (auto* err = std::get_if<wire::OpenError>(&opened)) {
      stats_.drop(drop_of(*err));
      if (*err == wire::OpenError::unauthenticated) {
        warn_limited("auth:" + c->remote(),
                     "refused a connection from " + c->remote() +
                         ": a packet failed authentication (a node with another cluster secret?)");
        if (!c->refusal_sent) {
          c->refusal_sent = true;
          c->queue(std::make_shared<const std::vector<std::uint8_t>>(
              wire::Authenticator::refusal(kRefusalReason)));
          c->close_after_flush();
        }
      }
      // The first packet of a connection a peer opened must authenticate (a failed MAC was
      // logged just above).
      if (c->awaiting_auth != 0) {
        give_up(c, Refusal::first_frame_refused,
                *err == wire::OpenError::unauthenticated
                    ? std::string()
                    : std::string("its first packet was refused as ") + to_string(drop_of(*err)));
      }
      return;
    }
    const auto& o = std::get<wire::Opened>(opened);
    if (o.type == wire::PacketType::refused) {
      // Never authenticated (anyone can send one): it does not let a connection in.
      const std::string reason(o.payload.begin(), o.payload.end());
      std::string where = c->outgoing() ? c->key() : c->remote();
      warn_limited("refused:" + where, where + " refused our packets: " + reason);
      if (c->awaiting_auth != 0) {
        give_up(c, Refusal::first_frame_refused, "its first packet was a refusal");
      }
      return;
    }
    if (!c->authenticated) {
      // From a member: the wire's own limits apply from now on.
      c->authenticated = true;
      c->limit_frames(wire::kMaxPacket);
      forget_awaiting(*c);
    }
    switch (o.type) {
      case wire::PacketType::refused:
        return;  // handled above
      case wire::PacketType::hello:
        c->peer = o.from;
        if (!c->outgoing()) incoming_[o.from.name] = c;
        return;
      case wire::PacketType::goodbye:
        c->peer_said_goodbye = true;
        return;
      case wire::PacketType::message:
        break;
    }
    if (!c->peer) {
      c->peer = o.from;
      if (!c->outgoing()) incoming_[o.from.name] = c;
    }
    // Traffic either way keeps a connection from being closed as idle: the peer may be
    // answering on ours.
    c->last_used = mono();
    deliver(o.payload, p.size());
  }

  void deliver(std::span<const std::uint8_t> payload, std::size_t wire_bytes) {
    // Not from here: the sweep may close connections, and this packet is read from one.
    if (mono() >= sweep_at_) post([self = shared_from_this()] { self->maybe_sweep(mono()); });
    auto decoded = wire::decode(payload);
    if (auto* err = std::get_if<wire::DecodeError>(&decoded)) {
      stats_.drop(drop_of(*err));
      return;
    }
    auto& env = std::get<Envelope>(decoded);
    stats_.in(env.body.index(), wire_bytes);
    if (handlers_.on_message) handlers_.on_message(std::move(env));
  }

  void receive_datagram() {
    udp_.async_receive_from(
        asio::buffer(dgram_), dgram_from_,
        [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
          if (self->stopping_ || ec == asio::error::operation_aborted) return;
          if (!ec) self->on_datagram(std::span<const std::uint8_t>(self->dgram_.data(), n));
          self->receive_datagram();
        });
  }

  void on_datagram(std::span<const std::uint8_t> p) {
    auto opened = auth_.open(p, wall_ms());
    if (auto* err = std::get_if<wire::OpenError>(&opened)) {
      stats_.drop(drop_of(*err));
      if (*err == wire::OpenError::unauthenticated) {
        const std::string from =
            dgram_from_.address().to_string() + ":" + std::to_string(dgram_from_.port());
        warn_limited("auth:" + from, "dropped a datagram from " + from +
                                         " that failed authentication (another cluster secret?)");
      }
      return;
    }
    const auto& o = std::get<wire::Opened>(opened);
    if (o.type != wire::PacketType::message) return;
    deliver(o.payload, p.size());
  }

  void on_closed(const std::shared_ptr<Connection>& c) {
    forget_awaiting(*c);
    conns_.erase(c);
    open_conns_.fetch_sub(1);
    if (c->outgoing()) {
      auto it = outgoing_.find(c->key());
      if (it != outgoing_.end() && it->second == c) outgoing_.erase(it);
    } else if (c->peer) {
      auto it = incoming_.find(c->peer->name);
      if (it != incoming_.end() && it->second == c) incoming_.erase(it);
    }
    if (stopping_ || c->closing_by_us || c->peer_said_goodbye || !c->peer) return;
    // The peer's process closed without a goodbye: it died (or was killed).
    if (handlers_.on_peer_gone) handlers_.on_peer_gone(c->peer->name, c->peer->boot);
  }

  void warn_limited(const std::string& key, const std::string& text) {
    log_limited(LogLevel::warn, key, text);
  }

  /// Logs `text` unless the same `key` was logged within the last 10 s.
  void log_limited(LogLevel level, const std::string& key, const std::string& text) {
    const Time now = mono();
    auto& last = last_warned_[key];
    if (last != Time{} && now - last < std::chrono::seconds(10)) return;
    if (last_warned_.size() > 10000) last_warned_.clear();
    last_warned_[key] = now;
    log(level, text);
  }

  void log(LogLevel level, const std::string& text) const {
    if (handlers_.on_log) handlers_.on_log(level, opt_.name + ": " + text);
  }

  TransportOptions opt_;
  TransportHandlers handlers_;
  wire::Authenticator auth_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  udp::socket udp_;
  asio::steady_timer timer_;
  /// Waits before accepting again when the process is out of descriptors.
  asio::steady_timer accept_retry_;
  Time core_at_ = kNever;   // the core's next deadline (wake_at)
  Time sweep_at_ = kNever;  // the idle-connection sweep is due (maybe_sweep)
  Time armed_ = kNever;     // what timer_ waits for: the earliest of the three (rearm)
  std::uint64_t armed_gen_ = 0;
  Connection::Owner owner_;
  std::set<std::shared_ptr<Connection>> conns_;
  /// Connections peers opened that have not authenticated a packet yet, oldest (and so first to
  /// run out of time) first, by Connection::awaiting_auth.
  std::map<std::uint64_t, std::shared_ptr<Connection>> awaiting_;
  std::uint64_t accepts_ = 0;
  /// opt_.max_connections, or what start() derived from the descriptor limit.
  std::size_t max_connections_ = 0;
  std::map<std::string, std::shared_ptr<Connection>> outgoing_;
  /// Connections peers opened to us, by the peer's name (from its hello).
  std::map<std::string, std::shared_ptr<Connection>> incoming_;
  std::map<std::string, std::optional<tcp::endpoint>> resolved_;
  std::map<std::string, Time> last_warned_;
  std::array<std::uint8_t, 65536> dgram_{};
  udp::endpoint dgram_from_;
  std::vector<std::uint8_t> encode_buf_;
  std::vector<std::uint8_t> last_encoded_;
  std::shared_ptr<const std::vector<std::uint8_t>> last_sealed_;
  /// Destinations (resolved, so two spellings of one address count once) of last_sealed_.
  std::set<tcp::endpoint> sealed_for_;
  Stats stats_;
  bool stopping_ = false;
  std::atomic<int> open_conns_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<std::thread::id> loop_id_{};
  std::thread thread_;
  mutable std::mutex addr_mu_;
  std::string local_;
};

Transport::Transport(TransportOptions opt, TransportHandlers handlers)
    : impl_(std::make_shared<Impl>(std::move(opt), std::move(handlers))) {}
Transport::~Transport() {
  stop();
}
void Transport::start() {
  impl_->start();
}
void Transport::stop() {
  impl_->stop();
}
void Transport::send(Outgoing msg) {
  impl_->send(std::move(msg));
}
void Transport::post(std::function<void()> fn) {
  impl_->post(std::move(fn));
}
void Transport::wake_at(Time t) {
  impl_->wake_at(t);
}
TransportStats Transport::stats() const {
  return impl_->stats();
}
bool Transport::on_loop_thread() const {
  return impl_->on_loop_thread();
}
std::string Transport::local_addr() const {
  return impl_->local_addr();
}

}  // namespace elector::net
