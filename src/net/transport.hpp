// The network transport: moves the core's messages between processes, authenticated.
//
// Two channels share one port:
//  - UDP for what the core routes as a datagram (Route::datagram: SWIM's probes and gossip, a
//    campaign's requests and answers, a leader's traffic with its far members) when the sealed
//    packet fits, so that it needs no connection and a thousand members cost no descriptors;
//  - TCP for everything else (joins and state exchange, heartbeats to watchers, handovers).
//    A TCP connection is also a liveness signal: when a peer's process dies, the kernel closes
//    its sockets and we see the connection end at once. That is reported as `on_peer_gone`,
//    which lets the core replace a crashed leader in milliseconds instead of 4T.
//    A connection that ends on purpose is announced first with a `goodbye` packet, so only a
//    real death (or an unannounced close) counts as "gone".
//
// Every packet is sealed by wire::Authenticator (HMAC + replay window); anything that fails to
// open or decode is dropped and counted by reason (stats()), and never reaches the core.
//
// Thread safety: start() and stop() from one owner thread. send(), post(), wake_at() and
// stats() from any thread. The handlers run on the transport's own loop thread, one at a time.
// Asio stays inside this layer: this header does not include it.
//
// Inside, one mechanism per file: router.hpp (the channel of each message; sealing, opening,
// decoding), udp_channel.hpp, tcp_channel.hpp (listener, connections' lives, the limits before
// authentication) with connection_table.hpp and connection.hpp, transport_timer.hpp (the one
// timer), address.hpp, diagnostics.hpp and stats.hpp; transport.cpp assembles them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/messages.hpp"
#include "elector/log.hpp"
#include "elector/time.hpp"
#include "elector/transport_stats.hpp"
#include "net/host_port.hpp"

namespace elector::net {

struct TransportOptions {
  /// HOST:PORT for both TCP and UDP. Port 0 picks a free port (see local_addr()).
  std::string listen;
  std::string name;
  std::uint64_t boot = 0;
  /// Cluster secret; empty only when `insecure`.
  std::string secret;
  bool insecure = false;
  std::int64_t replay_window_ms = 60000;
  /// Bytes queued for one connection beyond which further packets are dropped (a frozen peer
  /// must not make us buffer without bound).
  std::size_t max_queue_bytes = 8u << 20;
  /// Membership packets larger than this go over TCP instead of UDP.
  std::size_t max_datagram = 1400;
  /// Bytes the kernel may queue on the UDP socket (capped by net.core.rmem_max unless the
  /// process has CAP_NET_ADMIN). A candidate hears hundreds of votes within milliseconds, and a
  /// datagram the buffer cannot hold is lost.
  int udp_receive_buffer = 4 << 20;
  /// Outgoing connections unused this long are closed (with a goodbye).
  Duration idle_close = std::chrono::seconds(60);

  // Until a packet on it authenticates, a connection costs this process whatever its peer chooses
  // to send, and anyone who can reach the port can open one. These bound that cost
  // (docs/security.md, "Cost before authentication"); each connection they close is counted by
  // reason (net::Refusal).

  /// Largest frame taken on a connection before one of its packets authenticated: a first frame
  /// that declares more is refused as soon as its length arrives, before any of its body is read
  /// into memory. A member's first packet on a connection is its hello (a header, a name of at
  /// most 255 bytes and a MAC: under 400 bytes), so 64 KiB leaves it ample room, and
  /// max_unauthenticated connections at this limit hold 4 MiB of buffers in all. After the
  /// first authenticated packet the wire's limit (wire::kMaxPacket, 16 MiB) applies. Applies to
  /// the connections we open as well (to the peer's hello).
  std::size_t first_frame_limit = 64u << 10;
  /// An accepted connection with no authenticated packet this long after its accept is closed
  /// (with a goodbye). A member writes its hello as soon as its connect completes, so the hello
  /// arrives within a round trip; 2 s is far beyond that even on a loaded machine, and bounds how
  /// long a silent connection holds a descriptor and one of the max_unauthenticated places.
  /// What already arrived is read before the connection is given up, so a process that was itself
  /// stalled (frozen, or its loop busy) past the limit does not close a member's connection.
  Duration auth_timeout = std::chrono::seconds(2);
  /// Accepted connections waiting for their first authenticated packet, at most (at least 1).
  /// A new one past it closes the oldest waiting one, rather than being refused itself: a member's
  /// connection authenticates within a round trip of its accept, so a flood cannot push it out
  /// in time, whereas refusing new connections would let a flood that keeps the places full keep
  /// members out for as long as it lasts.
  std::size_t max_unauthenticated = 64;
  /// Connections open in all, both ways, past which a connection a peer opens is closed at once,
  /// before anything is sent on it. Connections we open count but are never refused: they follow
  /// the membership and are closed when idle. 0: derived at start() from the soft RLIMIT_NOFILE,
  /// less 256 descriptors left to the rest of the process (the control API's 64 clients, hooks,
  /// logs, its own sockets), and at most 4,096: more than a member of the largest cluster
  /// measured (1,000 processes) holds. Transports sharing a process share its descriptors too:
  /// give each its own value then.
  std::size_t max_connections = 0;
};

struct TransportHandlers {
  std::function<void(core::Envelope&& env)> on_message;
  /// The process `name` (boot `boot`) closed a connection without saying goodbye: it died.
  std::function<void(const std::string& name, std::uint64_t boot)> on_peer_gone;
  /// The instant given to wake_at() has come.
  std::function<void()> on_timer;
  /// Diagnostics (an address that does not resolve, descriptors running out), on the loop thread.
  /// Unset: they are dropped.
  LogSink on_log;
};

class Transport {
 public:
  Transport(TransportOptions opt, TransportHandlers handlers);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Binds TCP and UDP and starts the loop thread. Throws std::runtime_error saying why.
  void start();
  /// Flushes what is queued (bounded wait), says goodbye on every connection, closes them and
  /// joins the loop thread. Idempotent.
  void stop();

  void send(core::Outgoing msg);
  /// Runs `fn` on the loop thread.
  void post(std::function<void()> fn);
  /// Asks for on_timer at `t` (monotonic). Called on the loop thread (from a handler) it replaces
  /// the pending wake-up, so a deadline that moved later costs no wake-up; called from another
  /// thread it can only move the pending wake-up earlier, since by the time the loop runs it a
  /// handler may have asked for something newer.
  void wake_at(Time t);

  [[nodiscard]] TransportStats stats() const;
  [[nodiscard]] bool on_loop_thread() const;
  /// The bound address (with the real port when 0 was asked for).
  [[nodiscard]] std::string local_addr() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace elector::net
