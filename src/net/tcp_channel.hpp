// The TCP channel: the listener, the connections both ways, and what their lives mean.
//
// Whatever the core does not route as a datagram (or does not fit in one) goes over TCP, on one
// connection per destination, opened on first use, or on the connection that destination opened
// to us (ConnectionTable::usable_to()). Each side first sends a `hello`, so that both ends know
// who the other is; a connection closed on purpose (idle, stop, a refused peer) is announced by
// a `goodbye`; one that ends without it means the peer's process died, which is reported
// (Upcalls::peer_gone) so the core can replace a crashed leader at once.
//
// What a peer that never authenticates may cost is bounded here (TransportOptions,
// docs/security.md): the frame size before authentication, the time to authenticate after the
// accept, the connections waiting to authenticate and the connections open in all. Each
// connection closed for that is counted by reason (Refusal) and logged, rate-limited per host.
// Outgoing connections unused for idle_close are closed by close_idle(), which the transport's
// timer runs.
//
// The channel neither opens nor decodes packets: it asks the router (Upcalls::open, ::deliver)
// and acts on the answer for the connection (a hello names the peer, a failure to authenticate
// is refused, a goodbye is noted).
//
// Thread safety: listen() and accept() from the owner thread before the loop runs; the rest,
// and the upcalls, on the loop thread, except open_connections() (any thread). Call order:
// listen(), accept(), then send() and the timer's calls at will; at stop, begin_stop() (no more
// accepts, goodbye on every connection), then close_all() once they had their moment to flush.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "elector/time.hpp"
#include "net/connection.hpp"
#include "net/connection_table.hpp"
#include "net/diagnostics.hpp"
#include "net/stats.hpp"
#include "net/transport.hpp"
#include "wire/auth.hpp"

namespace elector::net {

/// max_connections as TransportOptions describes it: `asked`, or when 0, derived from the soft
/// RLIMIT_NOFILE.
std::size_t connection_cap(std::size_t asked);

class TcpChannel {
 public:
  using Packet = Connection::Packet;
  /// What the channel needs from the router.
  struct Upcalls {
    /// A `hello` or `goodbye` sealed by this process.
    std::function<Packet(wire::PacketType)> seal;
    /// The packet authenticated and opened, or why not (already counted).
    std::function<std::variant<Drop, wire::Opened>(std::span<const std::uint8_t>)> open;
    /// A message's payload, from a packet of `wire_bytes`, to decode and hand up.
    std::function<void(std::span<const std::uint8_t> payload, std::size_t wire_bytes)> deliver;
    /// The process `name` (boot `boot`) closed a connection without a goodbye: it died.
    std::function<void(const std::string& name, std::uint64_t boot)> peer_gone;
    /// auth_deadline() moved: the timer must wait for the new one.
    std::function<void()> deadline_moved;
  };

  TcpChannel(boost::asio::io_context& io, const TransportOptions& opt, Stats& stats,
             Diagnostics& log, Upcalls up);

  /// Binds and listens on `at`; returns the bound endpoint. Throws std::runtime_error saying why.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& at);
  /// Starts accepting, within the connection cap (derived now if not given).
  void accept();

  /// Queues `p` (a message of Body alternative `kind`) for `name` at `addr` (resolved: `to`),
  /// opening a connection if none is usable; counted as sent once queued, else as dropped.
  void send(const boost::asio::ip::tcp::endpoint& to, const std::string& addr,
            const std::string& name, std::size_t kind, Packet p);

  /// When the oldest connection still waiting to authenticate runs out of time (kNever: none).
  [[nodiscard]] Time auth_deadline() const;
  /// Closes the connections that have waited auth_timeout without authenticating at `now`.
  void expire_unauthenticated(Time now);
  /// Closes, with a goodbye, the connections we opened that nobody used for idle_close.
  void close_idle(Time now);

  /// Stops accepting and says goodbye on every connection; no peer death is reported from now.
  void begin_stop();
  /// Closes every connection at once.
  void close_all();
  /// Connections open, both ways (any thread).
  [[nodiscard]] int open_connections() const { return table_.open(); }

 private:
  void accept_next();
  void admit(boost::asio::ip::tcp::socket s);
  std::shared_ptr<Connection> open_to(const boost::asio::ip::tcp::endpoint& to,
                                      const std::string& addr);
  void on_packet(const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p);
  void on_closed(const std::shared_ptr<Connection>& c);
  void on_oversized(const std::shared_ptr<Connection>& c);
  void give_up_oldest(Refusal why, const std::string& text);
  void give_up(const std::shared_ptr<Connection>& c, Refusal why, const std::string& text);
  void forget_awaiting(Connection& c);
  void say_goodbye(const std::shared_ptr<Connection>& c);

  boost::asio::io_context& io_;
  const TransportOptions& opt_;
  Stats& stats_;
  Diagnostics& log_;
  Upcalls up_;
  boost::asio::ip::tcp::acceptor acceptor_;
  /// Waits before accepting again when the process is out of descriptors.
  boost::asio::steady_timer accept_retry_;
  Connection::Owner owner_;
  ConnectionTable table_;
  /// opt_.max_connections, or what accept() derived from the descriptor limit.
  std::size_t max_connections_ = 0;
  bool stopping_ = false;
};

}  // namespace elector::net
