// One node's view of the other members, compact: 32 bytes a member plus the shared identity in
// the MemberDirectory. Contiguous, ordered by directory id (the order names were first seen by
// the directory), so iteration is deterministic and new names are appended at the end.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/member_directory.hpp"
#include "core/messages.hpp"
#include "elector/time.hpp"

namespace elector::core {

/// std::optional<Time> in 8 bytes (the earliest representable instant stands for "unknown"):
/// a view holds one per member, and a view of 10,000 members exists 10,000 times in a simulation.
class MaybeTime {
 public:
  MaybeTime() = default;
  MaybeTime(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): reads as optional's
  MaybeTime(Time t) : t_(t) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool has_value() const { return t_ != kNone; }
  explicit operator bool() const { return has_value(); }
  [[nodiscard]] Time operator*() const { return t_; }
  [[nodiscard]] Time value_or(Time other) const { return has_value() ? t_ : other; }

 private:
  static constexpr Time kNone = Time::min();
  Time t_ = kNone;
};

/// One member as this node sees it.
struct Member {
  const MemberInfo* info = nullptr;  // name, address, boot, metadata (shared)
  /// When it started, on our clock (from its reported age); unknown until heard.
  MaybeTime started;
  std::int64_t runtime_ms = 0;
  std::uint32_t incarnation = 0;
  MemberStatus status = MemberStatus::dead;
  /// Down because its process ended (seen by a transport, ours or a member's).
  bool gone = false;

  [[nodiscard]] const std::string& name() const { return *info->name; }
  [[nodiscard]] const std::string& addr() const { return info->addr; }
  [[nodiscard]] std::uint64_t boot() const { return info->boot; }
  [[nodiscard]] const MemberMeta& meta() const { return info->meta; }
  [[nodiscard]] std::uint32_t id() const { return info->id; }
  [[nodiscard]] bool up() const {
    return status == MemberStatus::alive || status == MemberStatus::suspect;
  }
  /// The record as gossiped (age unknown, no accuser).
  [[nodiscard]] MemberUpdate record() const {
    MemberUpdate u;
    u.name = name();
    u.addr = addr();
    u.boot = boot();
    u.incarnation = incarnation;
    u.status = status;
    u.gone = gone && status == MemberStatus::dead;
    u.meta = meta();
    return u;
  }
};

/// Makes room for one more element, growing by a quarter instead of doubling: views are many
/// and big, and a doubled vector of 10,000 members can waste 40% of its 512 KB. `limit`, when
/// known (nonzero), is the most elements expected (the names in the directory): the vector grows
/// past it by a thirty-second at most, so a view that ends up holding every member of a
/// simulation (whose directory holds every name from the start) has next to no slack, while one
/// whose directory grows with it (a real node's) still grows in steps.
template <class T>
void grow_for_one_more(std::vector<T>& v, std::size_t limit = 0) {
  if (v.size() < v.capacity()) return;
  std::size_t next = v.capacity() + v.capacity() / 4 + 8;
  if (limit > 0) next = std::min(next, std::max(limit, v.size() + v.size() / 32 + 8));
  v.reserve(next);
}

class MemberList {
 public:
  using Entry = std::pair<const std::string&, const Member&>;
  /// Yields (name, member) pairs, as iterating a map by name would.
  class Iterator {
   public:
    using Base = std::vector<Member>::const_iterator;
    explicit Iterator(Base it) : it_(it) {}
    Entry operator*() const { return {it_->name(), *it_}; }
    Iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator==(const Iterator&) const = default;

   private:
    Base it_;
  };

  [[nodiscard]] Iterator begin() const { return Iterator(v_.begin()); }
  [[nodiscard]] Iterator end() const { return Iterator(v_.end()); }
  [[nodiscard]] std::size_t size() const { return v_.size(); }
  [[nodiscard]] bool empty() const { return v_.empty(); }

  [[nodiscard]] const Member* find(std::uint32_t id) const {
    auto it = lower(id);
    return it != v_.end() && it->id() == id ? &*it : nullptr;
  }
  [[nodiscard]] Member* find(std::uint32_t id) {
    return const_cast<Member*>(std::as_const(*this).find(id));
  }
  /// Adds `m`, whose id must not be in the list; `expected`: the most members the list is
  /// expected to hold (0: unknown). Invalidates pointers to members.
  Member& insert(const Member& m, std::size_t expected = 0) {
    const auto at = lower(m.id()) - v_.begin();
    grow_for_one_more(v_, expected);
    return *v_.insert(v_.begin() + at, m);
  }
  /// Removes the member with `id`, if any. Invalidates pointers to members.
  void erase(std::uint32_t id) {
    auto it = lower(id);
    if (it != v_.end() && it->id() == id) v_.erase(it);
  }

 private:
  /// The first member whose id is not below `id`. Ids are dense (a directory hands them out
  /// 0, 1, 2, ...) and a view holds most of them, so the search starts where `id` would be if
  /// the ids were spread evenly and widens from there: a lookup reads a few members, where a
  /// plain binary search over 10,000 read 14, each a pointer to follow for its id.
  [[nodiscard]] std::vector<Member>::const_iterator lower(std::uint32_t id) const {
    const auto by_id = [](const Member& m, std::uint32_t k) { return m.id() < k; };
    const std::size_t n = v_.size();
    if (n < 16) return std::lower_bound(v_.begin(), v_.end(), id, by_id);
    const std::uint32_t first = v_.front().id();
    const std::uint32_t last = v_.back().id();
    if (id <= first) return v_.begin();
    if (id > last) return v_.end();
    // first < id <= last: the answer is in (0, n - 1].
    const auto guess =
        static_cast<std::size_t>(static_cast<std::uint64_t>(id - first) * (n - 1) / (last - first));
    std::size_t lo = 0;      // v_[lo].id() < id
    std::size_t hi = n - 1;  // v_[hi].id() >= id
    std::size_t step = 1;
    if (v_[guess].id() < id) {
      lo = guess;
      while (lo + step < hi && v_[lo + step].id() < id) {
        lo += step;
        step *= 2;
      }
      hi = std::min(hi, lo + step);
    } else {
      hi = guess;
      while (hi > lo + step && v_[hi - step].id() >= id) {
        hi -= step;
        step *= 2;
      }
      lo = hi > lo + step ? hi - step : lo;
    }
    return std::lower_bound(v_.begin() + static_cast<std::ptrdiff_t>(lo) + 1,
                            v_.begin() + static_cast<std::ptrdiff_t>(hi), id, by_id);
  }
  std::vector<Member> v_;
};

}  // namespace elector::core
