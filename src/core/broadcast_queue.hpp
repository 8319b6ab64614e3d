// Membership updates waiting to be piggybacked (SWIM's infection-style dissemination).
//
// One entry per member (a newer update replaces the older one). Each update is sent
// `limit` times, least-sent first, then dropped; when the queue is full the most-sent entry goes,
// because periodic full-state exchange repairs anything gossip misses.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/messages.hpp"

namespace elector {

class BroadcastQueue {
 public:
  explicit BroadcastQueue(std::size_t cap) : cap_(cap) {}
  void push(MemberUpdate u);
  /// Up to `max` updates for one message; each taken counts as one transmission.
  std::vector<MemberUpdate> take(std::size_t max, int limit);
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }

 private:
  struct Item {
    MemberUpdate update;
    int transmits = 0;
    std::uint64_t id = 0;
  };
  using Key = std::tuple<int, std::uint64_t, std::string>;  // transmits, -age, name
  std::size_t cap_;
  std::uint64_t next_id_ = 0;
  std::map<std::string, Item> items_;
  std::set<Key> order_;
};

}  // namespace elector
