// Membership updates waiting to be piggybacked (SWIM's infection-style dissemination).
//
// One entry per member (a newer update replaces the older). Each update is sent `limit` times,
// least-sent first, then dropped; when the queue is full the most-sent entry goes, because
// periodic full-state exchange repairs anything gossip misses.
//
// A node sends dedicated Gossip messages only while some update still needs an eager
// transmission (fresh(): sent fewer than `eager` times); the rest of an update's `limit`
// transmissions ride on messages sent anyway (probes, acks, heartbeats, votes). After a burst of
// news (N members joining at once) the dedicated messages therefore stop after
// cap x eager transmissions at most, whatever N is, while every update still goes out `limit`
// times in all.
//
// Entries are compact (the identity is shared through the MemberDirectory): every node of a
// simulation holds one queue.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/member_directory.hpp"
#include "core/messages.hpp"

namespace elector::core {

class BroadcastQueue {
 public:
  BroadcastQueue(std::size_t cap, MemberDirectory& dir) : cap_(cap), dir_(dir) {}
  /// Queues `u` as if already sent `sent` times (sent >= eager: it only rides on other messages).
  void push(const MemberUpdate& u, int sent = 0);
  /// Up to `max` updates for one message; each taken counts as one transmission.
  std::vector<MemberUpdate> take(std::size_t max, int limit);
  /// Whether some update has been sent fewer than `eager` times.
  [[nodiscard]] bool fresh(int eager) const {
    return !order_.empty() && std::get<0>(*order_.begin()) < eager;
  }
  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }

 private:
  static constexpr std::uint32_t kNobody = std::numeric_limits<std::uint32_t>::max();
  struct Item {
    const MemberInfo* info = nullptr;
    std::int64_t age_ms = -1;
    std::uint32_t incarnation = 0;
    std::uint32_t from = kNobody;  // directory id of the accuser
    MemberStatus status = MemberStatus::alive;
    bool gone = false;
    int transmits = 0;
    std::uint64_t id = 0;
  };
  using Key = std::tuple<int, std::uint64_t, std::uint32_t>;  // transmits, -age, name id
  [[nodiscard]] MemberUpdate to_update(const Item& item) const;

  std::size_t cap_;
  MemberDirectory& dir_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint32_t, Item> items_;  // by name id
  std::set<Key> order_;
};

}  // namespace elector::core
