#include "core/quorum.hpp"

#include <algorithm>

namespace elector::core {

std::size_t quorum_for(const Config& c, std::size_t known) {
  if (c.quorum_size > 0) return static_cast<std::size_t>(c.quorum_size);
  return majority_of(std::max<std::size_t>(known, 1));
}

}  // namespace elector::core
