// Counters of the network layer, as libelector reports them (Node::stats(), Prometheus metrics).
//
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace elector {

/// Counters of the network layer (Prometheus metrics).
struct TransportStats {
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  /// Messages by kind (ping, ack, gossip, push_pull, heartbeat, vote, ...): what the traffic is.
  std::map<std::string, std::uint64_t> in_by_kind;
  std::map<std::string, std::uint64_t> out_by_kind;
  /// Packets dropped, by reason: truncated, malformed, oversized, unauthenticated, replayed,
  /// stale, send_queue_full, ...
  std::map<std::string, std::uint64_t> dropped;
  /// TCP connections open now, both ways (a leader holds one to most members; one idle for
  /// `idle_close` is closed).
  std::uint64_t connections = 0;
};

}  // namespace elector
