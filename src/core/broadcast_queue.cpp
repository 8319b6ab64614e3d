#include "core/broadcast_queue.hpp"

#include <limits>

namespace elector {

void BroadcastQueue::push(MemberUpdate u) {
  const std::string name = u.name;
  if (auto it = items_.find(name); it != items_.end()) {
    order_.erase(Key{it->second.transmits, it->second.id, name});
    items_.erase(it);
  }
  // Newer entries get smaller ids so that, among equally sent ones, the newest goes first.
  const std::uint64_t id = std::numeric_limits<std::uint64_t>::max() - next_id_++;
  items_.emplace(name, Item{std::move(u), 0, id});
  order_.insert(Key{0, id, name});
  while (items_.size() > cap_) {
    auto last = std::prev(order_.end());
    items_.erase(std::get<2>(*last));
    order_.erase(last);
  }
}

std::vector<MemberUpdate> BroadcastQueue::take(std::size_t max, int limit) {
  std::vector<MemberUpdate> out;
  std::vector<Key> picked;
  for (auto it = order_.begin(); it != order_.end() && picked.size() < max; ++it) {
    picked.push_back(*it);
  }
  for (const auto& key : picked) {
    order_.erase(key);
    auto it = items_.find(std::get<2>(key));
    out.push_back(it->second.update);
    if (++it->second.transmits >= limit) {
      items_.erase(it);
    } else {
      order_.insert(Key{it->second.transmits, it->second.id, it->first});
    }
  }
  return out;
}

}  // namespace elector
