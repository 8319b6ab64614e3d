// The UDP channel: one socket on the transport's port, for what the core routes as a datagram.
//
// A datagram needs no connection, so probing and gossiping with a thousand members costs no
// descriptors. open() binds the socket to the TCP listener's address (the two channels share a
// port) and asks for a large receive buffer: a candidate of a big cluster hears hundreds of
// answers within milliseconds, and a datagram the buffer cannot hold is lost. Every datagram
// received is handed, unopened, to the receiver given to receive(); send() counts what it sends
// (Stats::out). The channel neither seals nor opens packets: the router does.
//
// Thread safety: open() and receive() from the owner thread before the loop runs; the rest, and
// the receiver, on the loop thread. Call order: open(), receive(), then send() at will; stop()
// ends the hand-over of datagrams, close() the socket.
#pragma once

#include <array>
#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/stats.hpp"

namespace elector::net {

class UdpChannel {
 public:
  using Packet = std::shared_ptr<const std::vector<std::uint8_t>>;
  using Receiver = std::function<void(std::span<const std::uint8_t> packet,
                                      const boost::asio::ip::udp::endpoint& from)>;

  UdpChannel(boost::asio::io_context& io, Stats& stats) : socket_(io), stats_(stats) {}

  /// Binds to `at` with a receive buffer of `receive_buffer` bytes (best effort). Throws
  /// std::runtime_error naming `listen` (the address asked for) when it cannot bind.
  void open(const boost::asio::ip::tcp::endpoint& at, int receive_buffer,
            const std::string& listen);
  /// Starts receiving: every datagram goes to `receiver`, until stop() or close().
  void receive(Receiver receiver);
  /// Sends `p` (a message of Body alternative `kind`) to `to`; losses are the protocol's to bear.
  void send(const boost::asio::ip::tcp::endpoint& to, std::size_t kind, Packet p);
  /// Datagrams that arrive from now on are not handed over.
  void stop() { stopping_ = true; }
  void close();

 private:
  void receive_next();

  boost::asio::ip::udp::socket socket_;
  Stats& stats_;
  Receiver receiver_;
  bool stopping_ = false;
  std::array<std::uint8_t, 65536> buf_{};
  boost::asio::ip::udp::endpoint from_;
};

}  // namespace elector::net
