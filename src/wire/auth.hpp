// Packets: a payload sealed with the sender's identity and an HMAC, and opened with replay checks.
//
// Every packet (one UDP datagram, or one length-prefixed TCP frame) is
//   magic "ELC1" | type:u8 | boot:u64le | seq:u64le | wall_ms:u64le | name_len:u8 | name |
//   payload_len:u32le | payload | mac:32 bytes (absent in insecure mode)
// The type byte's high bit (0x80) says a MAC follows; its low seven bits are the PacketType. A
// secure receiver refuses a packet without the bit as `unauthenticated`; an insecure one accepts
// both (it has no key, so a MAC present is skipped unchecked). Bytes after the MAC are malformed.
// The MAC is HMAC-SHA-256 (libsodium crypto_auth_hmacsha256) over every byte before it, with a
// key derived from the cluster secret by BLAKE2b (crypto_generichash) under a fixed context, so
// the secret itself never keys a MAC directly.
//
// Replay protection: `seq` grows with every packet a process sends; the receiver keeps, per sender
// name, the sender's boot and a sliding window of the sequence numbers it accepted. A packet
// from an older boot, a sequence number already seen, or one older than the window is refused as
// `replayed`; a packet whose `wall_ms` is further than `replay_window` from the receiver's clock is
// refused as `stale` (this bounds replays to a receiver that restarted and forgot its windows).
// State is only updated after the MAC verified, so forged packets cannot poison it.
//
// The `refused` type is the exception: it is never authenticated (the receiver could not verify
// the sender, so it cannot prove anything to it either). It carries a human-readable reason (at
// most 512 bytes) that the transport only logs; it changes no state. It has no MAC bit, an empty
// name, and boot and seq 0; anything else is malformed.
//
// Thread safety: an Authenticator is used by one thread (the transport's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace elector::wire {

enum class PacketType : std::uint8_t {
  message = 0,  // payload: an encoded Envelope (codec.hpp)
  hello = 1,    // first packet on a new TCP connection: identifies the sender; empty payload
  goodbye = 2,  // the sender closes this connection on purpose (not a crash); empty payload
  refused = 3,  // unauthenticated notice: "I dropped your packet because ..."; payload = reason
};

/// Who sends a packet.
struct Identity {
  std::string name;
  std::uint64_t boot = 0;
};

struct Opened {
  PacketType type = PacketType::message;
  Identity from;                          // empty for `refused`
  std::span<const std::uint8_t> payload;  // points into the packet given to open()
};

enum class OpenError {
  truncated,        // shorter than its header says
  malformed,        // bad magic, unknown type, bad lengths
  oversized,        // beyond kMaxPacket
  unauthenticated,  // MAC missing or wrong (another cluster secret?)
  replayed,         // seen before, from an older boot, or older than the window
  stale,            // wall clock too far from ours
};
const char* to_string(OpenError e);

/// Largest packet accepted (a TCP frame; datagrams are limited by UDP itself).
inline constexpr std::size_t kMaxPacket = (16u << 20) + 512;
/// Sequence numbers remembered per sender.
inline constexpr std::uint64_t kReplayWindow = 4096;

class Authenticator {
 public:
  /// Authenticates with a key derived from `secret` (must not be empty).
  static Authenticator with_secret(std::string_view secret, std::int64_t replay_window_ms);
  /// No MAC is added or checked (replay and staleness checks still apply).
  static Authenticator insecure(std::int64_t replay_window_ms);

  [[nodiscard]] bool secure() const { return secure_; }

  /// Seals `payload` as a packet from `self`. Each call takes the next sequence number.
  /// `wall_ms`: the sender's wall clock (ms since the Unix epoch).
  /// Throws std::invalid_argument for an empty name, std::length_error for a name over 255 bytes.
  std::vector<std::uint8_t> seal(PacketType type, const Identity& self,
                                 std::span<const std::uint8_t> payload, std::uint64_t wall_ms);
  /// An unauthenticated `refused` notice carrying `reason` (cut to 512 bytes).
  static std::vector<std::uint8_t> refusal(std::string_view reason);

  /// Checks and opens a packet received at wall-clock `wall_ms`. On success the sender's replay
  /// window has recorded it, so the same packet opened again is `replayed`.
  std::variant<Opened, OpenError> open(std::span<const std::uint8_t> packet, std::uint64_t wall_ms);

  /// Forgets the replay state of senders not heard from for `idle_ms` (bounded memory).
  /// `idle_ms` is raised to at least twice the replay window: a window forgotten sooner would let
  /// a recorded packet that is not yet stale be replayed.
  void forget_idle(std::uint64_t wall_ms, std::uint64_t idle_ms);

 private:
  struct Window {
    std::uint64_t boot = 0;
    std::uint64_t highest = 0;        // highest seq accepted
    std::vector<std::uint64_t> bits;  // kReplayWindow bits, bit (seq % kReplayWindow)
    std::uint64_t last_wall_ms = 0;
  };
  Authenticator(bool secure, std::int64_t replay_window_ms);

  bool secure_ = false;
  std::int64_t replay_window_ms_ = 60000;
  /// HMAC-SHA-256 of data[0, n) into out[0, 32).
  void mac(const std::uint8_t* data, std::size_t n, std::uint8_t* out) const;

  std::vector<std::uint8_t> key_;  // 32 bytes when secure
  /// The HMAC state after the key: copied for each packet (shared by copies of this object).
  struct KeyedMac;
  std::shared_ptr<const KeyedMac> keyed_;
  std::uint64_t next_seq_ = 1;
  std::map<std::string, Window> windows_;
};

}  // namespace elector::wire
