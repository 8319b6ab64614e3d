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
// Entries are compact (the identity is shared through the MemberDirectory) and held in three
// flat vectors of at most `cap` + 1 elements: the items, an index by name id and the send order
// (slot numbers). Every node of a simulation holds one queue, and with trees of nodes (~160 bytes
// an entry) the full queues of 10,000 simulated nodes were 0.8 GB and a third of the CPU time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
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
    return !order_.empty() && items_[order_.back()].transmits < eager;
  }
  [[nodiscard]] std::size_t size() const { return by_name_.size(); }
  [[nodiscard]] bool empty() const { return by_name_.empty(); }

 private:
  static constexpr std::uint32_t kNobody = std::numeric_limits<std::uint32_t>::max();
  struct Item {
    const MemberInfo* info = nullptr;
    std::int64_t age_ms = -1;
    /// Newer entries get smaller ids so that, among equally sent ones, the newest goes first.
    std::uint64_t id = 0;
    std::uint32_t incarnation = 0;
    std::uint32_t from = kNobody;  // directory id of the accuser
    int transmits = 0;
    MemberStatus status = MemberStatus::alive;
    bool gone = false;
  };
  struct Named {
    std::uint32_t name = 0;  // directory id
    std::uint32_t slot = 0;  // in items_
  };
  /// Whether the item in slot `a` is sent before the one in slot `b`: fewer transmissions first,
  /// then the newest, then by name id.
  [[nodiscard]] bool before(std::uint32_t a, std::uint32_t b) const;
  /// Puts slot `s` in its place in order_.
  void order_insert(std::uint32_t s);
  /// Takes slot `s` out of order_.
  void order_erase(std::uint32_t s);
  /// Forgets the item in slot `s` (out of order_ already).
  void drop(std::uint32_t s);
  [[nodiscard]] std::vector<Named>::iterator named(std::uint32_t name);
  template <class T>
  void grow(std::vector<T>& v) const {
    if (v.size() == v.capacity()) {
      v.reserve(std::min(std::max<std::size_t>(8, 2 * v.capacity()), cap_ + 1));
    }
  }
  [[nodiscard]] MemberUpdate to_update(const Item& item) const;

  std::size_t cap_;
  MemberDirectory& dir_;
  std::uint64_t next_id_ = 0;
  std::vector<Item> items_;          // by slot; a free slot has no info
  std::vector<std::uint32_t> free_;  // free slots
  std::vector<Named> by_name_;       // sorted by name id
  /// Slots in reverse send order: the next to send last, the first to evict first.
  std::vector<std::uint32_t> order_;
};

}  // namespace elector::core
