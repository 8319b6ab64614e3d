// Counters of the transport, updated on its loop thread and read from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/messages.hpp"
#include "elector/transport_stats.hpp"

namespace elector::net {

/// Why a packet was not delivered. The first group are received packets that failed to open or
/// decode; the last two are packets we could not send.
enum class Drop : std::uint8_t {
  truncated,
  malformed,
  oversized,
  unauthenticated,
  replayed,
  stale,
  unknown_kind,
  send_queue_full,
  unreachable,
  count_
};
const char* to_string(Drop d);

/// Why a peer connection was closed by this node before it authenticated (or refused when it
/// was accepted): what an unauthenticated peer cost, and where it was stopped.
enum class Refusal : std::uint8_t {
  /// Its first frame declared more than TransportOptions::first_frame_limit.
  first_frame_oversized,
  /// Its first frame did not authenticate (the packet's own reason is counted as a Drop).
  first_frame_refused,
  /// No frame authenticated within TransportOptions::auth_timeout of the accept.
  auth_timeout,
  /// The oldest unauthenticated connection, closed to make room for a new one
  /// (TransportOptions::max_unauthenticated).
  unauthenticated_limit,
  /// A new connection, closed at once: TransportOptions::max_connections were open.
  connection_limit,
  count_
};
const char* to_string(Refusal r);

/// TransportStats has one map of reasons: refused connections share it with dropped packets,
/// under this prefix ("connection/auth_timeout"), so that no reason of one reads as the other.
inline constexpr const char* kRefusalPrefix = "connection/";

class Stats {
 public:
  /// `kind` is the index of the message's Body alternative.
  void in(std::size_t kind, std::size_t bytes) {
    messages_in_.fetch_add(1, std::memory_order_relaxed);
    bytes_in_.fetch_add(bytes, std::memory_order_relaxed);
    if (kind < kKinds) in_kind_[kind].fetch_add(1, std::memory_order_relaxed);
  }
  void out(std::size_t kind, std::size_t bytes) {
    messages_out_.fetch_add(1, std::memory_order_relaxed);
    bytes_out_.fetch_add(bytes, std::memory_order_relaxed);
    if (kind < kKinds) out_kind_[kind].fetch_add(1, std::memory_order_relaxed);
  }
  void drop(Drop d) {
    dropped_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
  }
  void refuse(Refusal r) {
    refused_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] TransportStats snapshot() const;

 private:
  std::atomic<std::uint64_t> messages_in_{0}, messages_out_{0}, bytes_in_{0}, bytes_out_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Drop::count_)> dropped_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Refusal::count_)> refused_{};
  static constexpr std::size_t kKinds = std::variant_size_v<core::Body>;
  std::array<std::atomic<std::uint64_t>, kKinds> in_kind_{}, out_kind_{};
};

}  // namespace elector::net
