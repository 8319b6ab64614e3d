#include "core/broadcast_queue.hpp"

namespace elector::core {

bool BroadcastQueue::before(std::uint32_t a, std::uint32_t b) const {
  const Item& x = items_[a];
  const Item& y = items_[b];
  if (x.transmits != y.transmits) return x.transmits < y.transmits;
  if (x.id != y.id) return x.id < y.id;
  return x.info->id < y.info->id;
}

void BroadcastQueue::order_insert(std::uint32_t s) {
  // Reverse order: the first element is the one sent last.
  const auto at =
      std::lower_bound(order_.begin(), order_.end(), s,
                       [this](std::uint32_t e, std::uint32_t k) { return before(k, e); }) -
      order_.begin();
  grow(order_);  // invalidates iterators
  order_.insert(order_.begin() + at, s);
}

void BroadcastQueue::order_erase(std::uint32_t s) {
  auto at = std::lower_bound(order_.begin(), order_.end(), s,
                             [this](std::uint32_t e, std::uint32_t k) { return before(k, e); });
  if (at != order_.end() && *at == s) order_.erase(at);
}

std::vector<BroadcastQueue::Named>::iterator BroadcastQueue::named(std::uint32_t name) {
  return std::lower_bound(by_name_.begin(), by_name_.end(), name,
                          [](const Named& n, std::uint32_t k) { return n.name < k; });
}

void BroadcastQueue::drop(std::uint32_t s) {
  auto it = named(items_[s].info->id);
  if (it != by_name_.end() && it->slot == s) by_name_.erase(it);
  items_[s] = Item{};
  grow(free_);
  free_.push_back(s);
}

void BroadcastQueue::push(const MemberUpdate& u, int sent) {
  const MemberInfo* info = dir_.intern(u);
  std::uint32_t s = 0;
  if (auto it = named(info->id); it != by_name_.end() && it->name == info->id) {
    s = it->slot;
    order_erase(s);
  } else {
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<std::uint32_t>(items_.size());
      grow(items_);
      items_.emplace_back();
    }
    const auto at = it - by_name_.begin();
    grow(by_name_);  // invalidates it
    by_name_.insert(by_name_.begin() + at, Named{info->id, s});
  }
  const std::uint64_t id = std::numeric_limits<std::uint64_t>::max() - next_id_++;
  const std::uint32_t from = u.from.empty() ? kNobody : dir_.id(u.from);
  items_[s] = Item{info, u.age_ms, id, u.incarnation, from, sent, u.status, u.gone};
  order_insert(s);
  while (by_name_.size() > cap_) {
    const std::uint32_t last = order_.front();
    order_.erase(order_.begin());
    drop(last);
  }
}

MemberUpdate BroadcastQueue::to_update(const Item& item) const {
  MemberUpdate u;
  u.name = *item.info->name;
  u.addr = item.info->addr;
  u.boot = item.info->boot;
  u.incarnation = item.incarnation;
  u.status = item.status;
  u.gone = item.gone;
  u.meta = item.info->meta;
  u.age_ms = item.age_ms;
  if (item.from != kNobody) u.from = dir_.name(item.from);
  return u;
}

std::vector<MemberUpdate> BroadcastQueue::take(std::size_t max, int limit) {
  std::vector<MemberUpdate> out;
  const std::size_t n = std::min(max, order_.size());
  if (n == 0) return out;
  // The n first to send are the last n of order_, the first of them last.
  std::vector<std::uint32_t> picked(order_.rbegin(), order_.rbegin() + static_cast<long>(n));
  order_.resize(order_.size() - n);
  out.reserve(n);
  for (const std::uint32_t s : picked) {
    Item& item = items_[s];
    out.push_back(to_update(item));
    if (++item.transmits >= limit) {
      drop(s);
    } else {
      order_insert(s);
    }
  }
  return out;
}

}  // namespace elector::core
