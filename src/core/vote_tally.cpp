#include "core/vote_tally.hpp"

namespace elector::core {

void VoteTally::forget(const std::string& voter, std::uint64_t boot) {
  const auto g = granted_.find(voter);
  if (g != granted_.end() && (boot == 0 || g->second == boot)) granted_.erase(g);
}

std::size_t VoteTally::reachable() const {
  const std::size_t answered = granted_.size() + refused_.size();
  const std::size_t open = asked_ > answered ? asked_ - answered : 0;
  return granted_.size() + 1 + open;
}

}  // namespace elector::core
