// What the network layer's tests on real sockets share (tests/net/connection_framing_test.cpp,
// transport_*_test.cpp): frames built by hand, bounded waits that drive an io_context, whole
// transports on 127.0.0.1 with ports picked by the OS (Peer, which records what its handlers saw),
// the envelopes they send, and a raw TCP client that speaks the protocol by hand (RawClient).
//
// Every wait is bounded by kWait and never replaces a condition: a slow machine only makes the
// tests slower, never wrong. A Peer's handlers run on its transport's loop thread and write its
// Recorder under Recorder::mu; the test thread reads it under the same mutex, after
// Recorder::wait() or Peer::barrier(). run_until() and read_frame() run the io_context they are
// given on the calling thread. Include this first: it includes test_asio.hpp before any Asio
// header.
#pragma once

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/transport.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "net/connection.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net::testing {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;

/// Bound of every wait: far above what any step needs, so only a real failure reaches it.
inline constexpr auto kWait = 10s;
inline constexpr std::int64_t kReplayWindowMs = 60000;
inline const std::string kSecret = "transport test secret";

inline std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

inline Bytes header(std::uint32_t len) {
  return Bytes{static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
               static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
}

/// One TCP frame: the 4-byte little-endian length, then the packet.
inline Bytes frame(const Bytes& packet) {
  Bytes f = header(static_cast<std::uint32_t>(packet.size()));
  f.insert(f.end(), packet.begin(), packet.end());
  return f;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Runs `io` until `done()` holds or kWait passes. One handler at a time, so that `done` is
/// checked after each.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

/// Reads one frame from `s` (driven by `io`); nullopt on error or timeout.
inline std::optional<Bytes> read_frame(boost::asio::io_context& io, tcp::socket& s) {
  std::array<std::uint8_t, 4> h{};
  bool done = false;
  boost::system::error_code err;
  boost::asio::async_read(s, boost::asio::buffer(h),
                          [&](const boost::system::error_code& ec, std::size_t) {
                            err = ec;
                            done = true;
                          });
  if (!run_until(io, [&] { return done; }) || err) return std::nullopt;
  const std::uint32_t len =
      static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 8) |
      (static_cast<std::uint32_t>(h[2]) << 16) | (static_cast<std::uint32_t>(h[3]) << 24);
  // A wrong length (a framing bug) must fail the test, not allocate gigabytes.
  if (len > wire::kMaxPacket) {
    ADD_FAILURE() << "frame length " << len << " beyond the limit";
    return std::nullopt;
  }
  Bytes body(len);
  done = false;
  boost::asio::async_read(s, boost::asio::buffer(body),
                          [&](const boost::system::error_code& ec, std::size_t) {
                            err = ec;
                            done = true;
                          });
  if (!run_until(io, [&] { return done; }) || err) return std::nullopt;
  return body;
}

/// What a transport's handlers saw (they run on its loop thread).
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<core::Envelope> messages;
  std::vector<std::pair<std::string, std::uint64_t>> gone;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, kWait, [&] { return pred(); });
  }
  std::size_t count_messages() {
    std::lock_guard lk(mu);
    return messages.size();
  }
};

class Peer {
 public:
  Peer(const std::string& name, std::uint64_t boot, const std::string& secret,
       std::size_t max_queue_bytes = TransportOptions{}.max_queue_bytes,
       Duration idle_close = TransportOptions{}.idle_close) {
    TransportOptions o;
    o.max_queue_bytes = max_queue_bytes;
    o.idle_close = idle_close;
    o.listen = "127.0.0.1:0";
    o.name = name;
    o.boot = boot;
    o.secret = secret;
    o.replay_window_ms = kReplayWindowMs;
    TransportHandlers h;
    h.on_message = [r = &rec](core::Envelope&& env) {
      std::lock_guard lk(r->mu);
      r->messages.push_back(std::move(env));
      r->cv.notify_all();
    };
    h.on_peer_gone = [r = &rec](const std::string& n, std::uint64_t b) {
      std::lock_guard lk(r->mu);
      r->gone.emplace_back(n, b);
      r->cv.notify_all();
    };
    t = std::make_unique<Transport>(std::move(o), std::move(h));
    t->start();
  }
  ~Peer() { t->stop(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  [[nodiscard]] std::string addr() const { return t->local_addr(); }
  /// Sends `env` on the route the core would give its kind by default.
  void send(const std::string& to_name, const std::string& to_addr, const core::Envelope& env) {
    t->send(core::Outgoing{to_name, to_addr, env, default_route(env.body)});
  }
  void send(const std::string& to_name, const std::string& to_addr, const core::Envelope& env,
            core::Route route) {
    t->send(core::Outgoing{to_name, to_addr, env, route});
  }
  /// Returns once everything posted to the loop before it has run (sends, deliveries under way).
  void barrier() {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    t->post([done] { done->set_value(); });
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  }

  Recorder rec;
  std::unique_ptr<Transport> t;
};

inline std::uint16_t port_of(const std::string& addr) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(split_host_port(addr, host, port)) << addr;
  return port;
}

inline core::Envelope envelope(const std::string& from, const std::string& from_addr,
                               core::Body body) {
  core::Envelope e;
  e.header.self.name = from;
  e.header.self.addr = from_addr;
  e.header.self.boot = 11;
  e.header.self.incarnation = 3;
  e.header.self.meta.priority = -4;
  e.header.self.age_ms = 1500;
  e.header.runtime_ms = 1234;
  e.header.term = 6;
  e.body = std::move(body);
  core::MemberUpdate g;
  g.name = "z";
  g.addr = "127.0.0.1:9";
  g.boot = 2;
  g.incarnation = 5;
  g.status = core::MemberStatus::suspect;
  g.from = from;
  e.gossip.push_back(g);
  return e;
}

inline core::Envelope heartbeat_env(const std::string& from, const std::string& from_addr) {
  return envelope(from, from_addr, core::Heartbeat{7, 9, 2, false});
}

inline core::Envelope ping_env(const std::string& from, const std::string& from_addr) {
  return envelope(from, from_addr, core::Ping{42, "b"});
}

inline std::uint64_t value_or_zero(const std::map<std::string, std::uint64_t>& m,
                                   const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

/// A raw TCP client speaking the protocol by hand, to control exactly how a connection ends.
class RawClient {
 public:
  explicit RawClient(const std::string& addr)
      : auth_(wire::Authenticator::with_secret(kSecret, kReplayWindowMs)), s_(io_) {
    s_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_of(addr)));
  }
  /// Reads the transport's hello. Also keeps our close a clean FIN: closing with unread data
  /// would send a reset instead.
  void expect_hello(const std::string& name) {
    const auto f = read_frame(io_, s_);
    ASSERT_TRUE(f.has_value());
    const auto opened = rx_.open(*f, wall_ms());
    ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
    EXPECT_EQ(std::get<wire::Opened>(opened).type, wire::PacketType::hello);
    EXPECT_EQ(std::get<wire::Opened>(opened).from.name, name);
  }
  void send(wire::PacketType type, const wire::Identity& self, const Bytes& payload = {}) {
    boost::asio::write(s_, boost::asio::buffer(frame(auth_.seal(type, self, payload, wall_ms()))));
  }
  /// Half-closes and waits until the transport closes its side in turn.
  bool shutdown_and_wait_close() {
    s_.shutdown(tcp::socket::shutdown_send);
    std::array<std::uint8_t, 256> buf{};
    bool over = false;
    std::function<void()> read_some = [&] {
      s_.async_read_some(boost::asio::buffer(buf),
                         [&](const boost::system::error_code& ec, std::size_t) {
                           if (ec) {
                             over = true;
                             return;
                           }
                           read_some();
                         });
    };
    read_some();
    return run_until(io_, [&] { return over; });
  }
  void write_raw(const Bytes& data) { boost::asio::write(s_, boost::asio::buffer(data)); }
  /// The next packet from the transport, opened (nullopt when the stream ends or fails to open).
  std::optional<wire::PacketType> next_type(const std::string& from) {
    const auto f = read_frame(io_, s_);
    if (!f) return std::nullopt;
    const auto opened = rx_.open(*f, wall_ms());
    if (!std::holds_alternative<wire::Opened>(opened)) return std::nullopt;
    EXPECT_EQ(std::get<wire::Opened>(opened).from.name, from);
    return std::get<wire::Opened>(opened).type;
  }
  /// Seals once; the same bytes can then be written several times (a replay).
  Bytes sealed(wire::PacketType type, const wire::Identity& self, const Bytes& payload = {}) {
    return auth_.seal(type, self, payload, wall_ms());
  }
  void close() { s_.close(); }

 private:
  boost::asio::io_context io_;
  wire::Authenticator auth_;
  wire::Authenticator rx_ = wire::Authenticator::with_secret(kSecret, kReplayWindowMs);
  tcp::socket s_;
};

}  // namespace elector::net::testing
