// The router: between the core's messages and the two channels, both ways.
//
// Out: a message is encoded and sealed (wire::Authenticator), then sent over the channel that
// channel_for() picks from the core's Route and the sealed size: UDP for a datagram that fits in
// max_datagram, TCP for the rest. Route::both goes over TCP, and also over UDP, sealed again,
// when it fits. A broadcast (heartbeats, votes) is the same envelope to every
// member, since the receiver is not part of it, so one sealed packet serves all its destinations;
// no destination gets the same sealed packet twice (a deliberate resend would be dropped as a
// replay), so a repeated destination seals anew. Once stopping, only Leave and Resign go out.
//
// Addresses: a message to a member goes to the first endpoint of its address; one to a seed (no
// name yet) goes to up to kSeedFanout of the seed's endpoints (every A/AAAA or SRV record of a
// name is a seed), taken in turn from its sorted list, so that successive joins reach them all
// without a thousand-pod service answering each join a thousand times. A message to a name whose
// first lookup is under way waits for it (at most kPendingPerAddress per address, and
// kPendingAddresses addresses; beyond, and when the lookup finds nothing, it is dropped and
// counted unreachable).
//
// In: every packet from either channel is opened here (authenticated, checked against replay)
// and its payload decoded; what fails is counted by reason (Drop) and never reaches the core.
// A message is counted (Stats::in) and handed to `on_message`. A datagram carries messages only;
// what a TCP packet means for its connection (hello, goodbye, a refusal) is the TCP channel's.
//
// Thread safety: the loop thread only. Call order: none beyond begin_stop() last.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "net/address.hpp"
#include "net/diagnostics.hpp"
#include "net/stats.hpp"
#include "net/tcp_channel.hpp"
#include "net/transport.hpp"
#include "net/udp_channel.hpp"
#include "wire/auth.hpp"

namespace elector::net {

enum class Channel : std::uint8_t { udp, tcp };

/// The channel of a message the core routed `route` and whose sealed packet is `sealed_bytes`
/// long: UDP only for a datagram that fits in `max_datagram` bytes.
Channel channel_for(core::Route route, std::size_t sealed_bytes, std::size_t max_datagram);

class Router {
 public:
  using Packet = std::shared_ptr<const std::vector<std::uint8_t>>;
  struct Upcalls {
    /// A message decoded from an authenticated packet.
    std::function<void(core::Envelope&& env)> on_message;
    /// A packet arrived (the sweep may be due): TransportTimer::nudge.
    std::function<void()> on_arrival;
  };

  Router(const TransportOptions& opt, Stats& stats, Diagnostics& log, AddressBook& addresses,
         UdpChannel& udp, TcpChannel& tcp, Upcalls up);

  static constexpr std::size_t kSeedFanout = 4;
  static constexpr std::size_t kPendingPerAddress = 16;
  static constexpr std::size_t kPendingAddresses = 256;

  void send(const core::Outgoing& m);
  /// A packet of `type` from this process.
  Packet seal(wire::PacketType type, std::span<const std::uint8_t> payload = {});
  /// `p` authenticated and opened, or why not (counted).
  std::variant<Drop, wire::Opened> open(std::span<const std::uint8_t> p);
  /// A message's payload, from a packet of `wire_bytes`: decoded and handed up, or counted.
  void deliver(std::span<const std::uint8_t> payload, std::size_t wire_bytes);
  /// A datagram `from` arrived.
  void on_datagram(std::span<const std::uint8_t> p, const boost::asio::ip::udp::endpoint& from);
  /// Forgets the replay state of senders not heard from for 10 minutes (bounded memory).
  void forget_idle();
  /// From now on only Leave and Resign are sent.
  void begin_stop() { stopping_ = true; }

 private:
  const TransportOptions& opt_;
  Stats& stats_;
  Diagnostics& log_;
  void send_to(const core::Outgoing& m, const boost::asio::ip::tcp::endpoint& ep,
               const std::string& addr);
  void lookup_done(const std::string& addr);

  AddressBook& addresses_;
  UdpChannel& udp_;
  TcpChannel& tcp_;
  Upcalls up_;
  wire::Authenticator auth_;
  std::vector<std::uint8_t> encode_buf_;
  std::vector<std::uint8_t> last_encoded_;
  Packet last_sealed_;
  /// Destinations (resolved, so two spellings of one address count once) of last_sealed_.
  std::set<boost::asio::ip::tcp::endpoint> sealed_for_;
  bool stopping_ = false;
  /// Messages waiting for their address's first lookup, in order.
  std::map<std::string, std::vector<core::Outgoing>> pending_;
  /// Where the next fan-out to each seed address starts in its endpoint list.
  std::map<std::string, std::size_t> seed_turn_;
};

}  // namespace elector::net
