#include "net/transport.hpp"

#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
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
        timer_(io_) {
    owner_.packet = [this](const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p) {
      on_tcp_packet(c, p);
    };
    owner_.closed = [this](const std::shared_ptr<Connection>& c) { on_closed(c); };
    owner_.oversized = [this](const std::shared_ptr<Connection>& c) {
      stats_.drop(Drop::oversized);
      say_goodbye(c);
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
  // One asio timer serves the core's deadline and the idle-connection sweep. Asio reprograms its
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

  void rearm() {
    const Time t = std::min(core_at_, sweep_deadline());
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
        auto c = std::make_shared<Connection>(std::move(s), false, std::string(), &self->owner_,
                                              self->opt_.max_queue_bytes);
        c->last_used = mono();
        self->conns_.insert(c);
        self->open_conns_.fetch_add(1);
        c->queue(self->seal(wire::PacketType::hello, {}));
        c->start();
      } else if (ec == asio::error::no_descriptors) {
        self->log(LogLevel::error, "out of file descriptors; raise the limit (ulimit -n)");
      }
      self->accept();
    });
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
      return;
    }
    const auto& o = std::get<wire::Opened>(opened);
    switch (o.type) {
      case wire::PacketType::refused: {
        const std::string reason(o.payload.begin(), o.payload.end());
        std::string where = c->outgoing() ? c->key() : c->remote();
        warn_limited("refused:" + where, where + " refused our packets: " + reason);
        return;
      }
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
    const Time now = mono();
    auto& last = last_warned_[key];
    if (last != Time{} && now - last < std::chrono::seconds(10)) return;
    if (last_warned_.size() > 10000) last_warned_.clear();
    last_warned_[key] = now;
    log(LogLevel::warn, text);
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
  Time core_at_ = kNever;   // the core's next deadline (wake_at)
  Time sweep_at_ = kNever;  // the idle-connection sweep is due (maybe_sweep)
  Time armed_ = kNever;     // what timer_ waits for: the earlier of the two, the sweep late
  std::uint64_t armed_gen_ = 0;
  Connection::Owner owner_;
  std::set<std::shared_ptr<Connection>> conns_;
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
