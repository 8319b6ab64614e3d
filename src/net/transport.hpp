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
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/messages.hpp"
#include "elector/node.hpp"
#include "elector/time.hpp"

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
};

struct TransportHandlers {
  std::function<void(Envelope&& env)> on_message;
  /// The process `name` (boot `boot`) closed a connection without saying goodbye: it died.
  std::function<void(const std::string& name, std::uint64_t boot)> on_peer_gone;
  /// The instant given to wake_at() has come.
  std::function<void()> on_timer;
  /// Diagnostics (an address that does not resolve, descriptors running out), on the loop thread.
  /// Unset: they are dropped.
  LogSink on_log;
};

/// "host:port" split and checked; false if it is not of that form with a port in 0..65535.
bool split_host_port(const std::string& addr, std::string& host, std::uint16_t& port);

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

  void send(Outgoing msg);
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
