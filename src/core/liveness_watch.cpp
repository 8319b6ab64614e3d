#include "core/liveness_watch.hpp"

namespace elector::core {

void LivenessWatch::set_limit(Time now, Duration limit) {
  if (limit <= Duration::zero()) {
    limit_ = Duration::zero();
    heard_.clear();
    return;
  }
  if (!on()) next_check_ = now + limit / 8;
  limit_ = limit;
}

void LivenessWatch::heard(Time now, std::uint32_t id) {
  if (on()) heard_[id] = now;
}

std::vector<std::uint32_t> LivenessWatch::take_silent(Time now, const MemberList& members) {
  std::vector<std::uint32_t> silent;
  if (!on() || now < next_check_) return silent;
  next_check_ = now + limit_ / 8;
  for (const auto& [name, m] : members) {
    if (!m.up()) {
      heard_.erase(m.id());  // when it is back (rejoined, restarted) it gets a whole window
      continue;
    }
    // First seen alive by this watch: the window starts now.
    auto [it, fresh] = heard_.try_emplace(m.id(), now);
    if (now - it->second < limit_) continue;
    silent.push_back(m.id());
    it->second = now;
  }
  return silent;
}

}  // namespace elector::core
