#include "quorum.hpp"

#include <map>

namespace chaos {

bool quorum_connected(const std::vector<bool>& up, const std::vector<int>& side, int quorum) {
  std::map<int, int> count;
  for (std::size_t i = 0; i < up.size() && i < side.size(); ++i) {
    if (up[i] && ++count[side[i]] >= quorum) return true;
  }
  return false;
}

}  // namespace chaos
