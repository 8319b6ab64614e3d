#include "core/lease_quorum.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>

namespace elector::core {

Time LeaseQuorum::end() const {
  if (ends_.size() < q_) return Time{};
  std::vector<Time> ends = ends_;
  const auto qth = ends.begin() + static_cast<std::ptrdiff_t>(q_ - 1);
  std::nth_element(ends.begin(), qth, ends.end(), std::greater<>());
  return *qth;
}

Time settle_lease_end(Time computed, Time previous, Time now) {
  return computed >= now ? computed : std::max(computed, std::min(previous, now));
}

}  // namespace elector::core
