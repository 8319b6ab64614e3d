#include "core/broadcast_queue.hpp"

namespace elector::core {

void BroadcastQueue::push(const MemberUpdate& u, int sent) {
  const MemberInfo* info = dir_.intern(u);
  if (auto it = items_.find(info->id); it != items_.end()) {
    order_.erase(Key{it->second.transmits, it->second.id, info->id});
    items_.erase(it);
  }
  // Newer entries get smaller ids so that, among equally sent ones, the newest goes first.
  const std::uint64_t id = std::numeric_limits<std::uint64_t>::max() - next_id_++;
  const std::uint32_t from = u.from.empty() ? kNobody : dir_.id(u.from);
  items_.emplace(info->id, Item{info, u.age_ms, u.incarnation, from, u.status, u.gone, sent, id});
  order_.insert(Key{sent, id, info->id});
  while (items_.size() > cap_) {
    auto last = std::prev(order_.end());
    items_.erase(std::get<2>(*last));
    order_.erase(last);
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
  std::vector<Key> picked;
  for (auto it = order_.begin(); it != order_.end() && picked.size() < max; ++it) {
    picked.push_back(*it);
  }
  out.reserve(picked.size());
  for (const auto& key : picked) {
    order_.erase(key);
    auto it = items_.find(std::get<2>(key));
    Item& item = it->second;
    out.push_back(to_update(item));
    if (++item.transmits >= limit) {
      items_.erase(it);
    } else {
      order_.insert(Key{item.transmits, item.id, it->first});
    }
  }
  return out;
}

}  // namespace elector::core
