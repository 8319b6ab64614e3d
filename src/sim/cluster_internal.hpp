// The cluster's private parts, shared by its source files (cluster.cpp: the event loop;
// clock.cpp: node clocks; network.cpp: message delivery and the network model; lifecycle.cpp:
// starting, crashing, freezing and stopping processes; queries.cpp: who runs and who leads).
// Only src/sim's cluster files include this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/cluster.hpp"

namespace elector::sim {

struct Cluster::Item {
  enum class Kind { deliver, wake, gone, hooks, call };
  Time at{};
  std::uint64_t seq = 0;
  Kind kind = Kind::call;
  int node = -1;
  int from = -1;
  std::uint64_t gen = 0;
  /// A message's envelope as the wire encoder wrote it (wire/codec.hpp): the receiver decodes
  /// it, as a real transport does, so that every run covers the codec too.
  std::vector<std::uint8_t> wire;
  /// Its id in the message log (Cluster::message_log()), 0 if not logged.
  std::uint64_t logged = 0;
  std::string gone_name;
  std::uint64_t gone_boot = 0;
  std::function<void()> fn;
};

struct Cluster::SimNode {
  int index = 0;
  std::string name;
  std::string addr;
  Config cfg;
  std::unique_ptr<core::NodeCore> core;
  bool crashed = false;
  bool frozen = false;
  bool stopped = false;
  bool hang_hooks = false;
  bool no_gossip = false;  // receives messages without their gossip (Cluster::set_no_gossip_to)
  std::uint64_t boots = 0;
  std::uint64_t gen = 0;
  Time wake = kNever;
  std::uint64_t processed = 0;
  /// What this node's state file holds: nothing before its first save. A restart reads it back,
  /// unless the restart is one that lost it (Cluster::restart).
  std::optional<core::DurableState> disk;
  /// Saves fail (a full disk): the node must then neither vote nor lead.
  bool disk_full = false;
  /// The next restart finds no usable state (Recall::lost).
  bool lose_state = false;
  std::vector<Item> parked;  // inputs that arrived while frozen
  /// Peer index -> last stream message between this process and that peer (either way): the
  /// connections a crash of either closes. Lookups only, so iteration order does not matter.
  std::unordered_map<int, Time> streams;
  /// With Options::stream_retransmit: when the last stream message to each peer arrives; the
  /// next one arrives no earlier (TCP delivers in order, behind a retransmission).
  std::unordered_map<int, Time> stream_tail;
  /// The machine's monotonic clock: it outlives the process, so a restart keeps it.
  Clock clock;
  [[nodiscard]] bool live() const { return core && !crashed && !stopped; }
};

/// Queue order: earlier first, then first pushed first (so a run replays exactly).
inline bool later(const auto& a, const auto& b) {
  return a.at != b.at ? a.at > b.at : a.seq > b.seq;
}

/// Mixes two numbers into a seed (one stream of randomness per purpose).
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 29);
}

}  // namespace elector::sim
