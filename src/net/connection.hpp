// One TCP connection to or from a peer: length-prefixed packets, a bounded write queue.
//
// A frame is a 4-byte little-endian length followed by one packet (wire/auth.hpp). The
// connection does not open packets itself; it hands each one to its owner and tells the owner
// when it ends. Who the peer is (`peer`) is learnt from the first authenticated packet, and
// `peer_said_goodbye` separates a deliberate close from a crash.
//
// Memory: the read buffer holds at most the one frame under way (its 4-byte length and what
// arrived of its body), sized to that frame and given back once it is out. A frame whose length
// is over the limit (limit_frames()) is refused as soon as its length is read, before any of its
// body is kept, so a peer the owner holds to a small limit can make it hold no more than that.
//
// Thread safety: used only on the transport's loop thread.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "elector/time.hpp"
#include "wire/auth.hpp"

namespace elector::net {

class Stats;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Packet = std::shared_ptr<const std::vector<std::uint8_t>>;
  struct Owner {
    std::function<void(const std::shared_ptr<Connection>&, std::span<const std::uint8_t>)> packet;
    /// Called once, when the connection is over (by either side, or an error).
    std::function<void(const std::shared_ptr<Connection>&)> closed;
    /// A frame longer than the limit arrived: the stream cannot be trusted past it.
    std::function<void(const std::shared_ptr<Connection>&)> oversized;
  };

  Connection(boost::asio::ip::tcp::socket socket, bool outgoing, std::string key, Owner* owner,
             std::size_t max_queue_bytes);

  /// Starts reading (and writing what was queued). For an outgoing connection, call once the
  /// connect completed.
  void start();
  /// Queues a packet; false when the queue is over its limit (the packet is not queued).
  bool queue(Packet p);
  /// Closes once everything queued has been written (or failed).
  void close_after_flush();
  void close_now();
  /// Frames longer than `max` bytes (the packet, without its length) are refused from now on:
  /// Owner::oversized, and the stream is over. wire::kMaxPacket until set.
  void limit_frames(std::size_t max) { max_frame_ = max; }
  [[nodiscard]] std::size_t frame_limit() const { return max_frame_; }
  /// Reads what has already arrived and hands its complete frames to the owner, without waiting
  /// (the owner's handlers run from inside this call). For a started connection, and not from
  /// inside an Owner handler (reads of the loop's thread share one scratch buffer); false once
  /// the stream is over.
  bool read_now();

  [[nodiscard]] bool outgoing() const { return outgoing_; }
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] std::string remote() const;
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  /// Bytes this connection holds for reading and writing beyond its fixed size: a partial frame
  /// and the room of its send queue (zero when idle).
  [[nodiscard]] std::size_t held_bytes() const {
    return rbuf_.capacity() + queue_.capacity() * sizeof(Packet);
  }

  std::optional<wire::Identity> peer;
  bool peer_said_goodbye = false;
  /// We close it on purpose (idle, stop, refused peer): not a peer death.
  bool closing_by_us = false;
  bool refusal_sent = false;
  Time last_used{};
  /// A packet on it opened: it comes from a member (set by the owner).
  bool authenticated = false;
  /// For the owner: where it keeps this connection while it waits for its first authenticated
  /// packet (0: it does not wait), and since when.
  std::uint64_t awaiting_auth = 0;
  Time accepted_at{};

 private:
  void read_more();
  /// Reads what has arrived; false once the stream is over.
  bool drain();
  /// Takes n bytes read from the stream; false once the stream is over.
  bool consume(const std::uint8_t* data, std::size_t n);
  /// Hands every complete frame of data[0, n) to the owner and returns the bytes they took;
  /// nothing once the stream is over (closed, or a frame too large).
  std::optional<std::size_t> deliver_frames(const std::uint8_t* data, std::size_t n);
  /// Completes the frame under way in rbuf_ from data[0, n) and hands it over once whole;
  /// returns the bytes it took, nothing once the stream is over.
  std::optional<std::size_t> complete_frame(const std::uint8_t* data, std::size_t n);
  /// False (and the owner told) when a frame of `len` bytes is over the limit.
  bool length_allowed(std::uint32_t len);
  /// The front packet was sent.
  void pop_front();
  void write_next();
  void finish();

  boost::asio::ip::tcp::socket socket_;
  bool outgoing_;
  std::string key_;
  Owner* owner_;
  std::size_t max_queue_bytes_;
  std::size_t max_frame_ = wire::kMaxPacket;
  /// Packets to send, from queue_[head_]: a vector allocates nothing while empty, which a
  /// connection mostly is (a deque allocates a block up front, for each of hundreds).
  std::vector<Packet> queue_;
  std::size_t head_ = 0;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool started_ = false;
  bool close_when_flushed_ = false;
  bool closed_ = false;
  /// A frame's length was refused: the stream has lost its framing and is read no more.
  bool stream_over_ = false;
  /// The scratch buffer of the loop's thread that reads land in.
  static constexpr std::size_t kScratch = 64 * 1024;
  /// An emptied queue keeps room for this many packets; a burst's larger room is given back.
  static constexpr std::size_t kKeptQueueCapacity = 16;
  std::array<std::uint8_t, 4> out_header_{};
  /// The start of a frame still on its way (empty, with no memory, between frames). Its
  /// capacity is the frame's 4 + length once the length is known, so it never grows twice.
  std::vector<std::uint8_t> rbuf_;
};

}  // namespace elector::net
