#include "core/suspicion.hpp"

#include <algorithm>
#include <cmath>

namespace elector::core {

Suspicion::Suspicion(const std::string& from, int expected, Duration min, Duration max, Time start)
    : expected_(std::max(expected, 0)), min_(min), max_(std::max(min, max)), start_(start) {
  accusers_.insert(from);
  recompute();
}

bool Suspicion::confirm(const std::string& from) {
  if (!accusers_.insert(from).second) return false;
  recompute();
  return true;
}

void Suspicion::recompute() {
  if (expected_ == 0) {  // too few members to confirm: the shortest timeout applies at once
    deadline_ = start_ + min_;
    return;
  }
  const double n = std::min(confirmations(), expected_);
  const double frac = std::log(n + 1.0) / std::log(expected_ + 1.0);
  const auto span = static_cast<double>((max_ - min_).count());
  const auto timeout = max_ - Duration(static_cast<Duration::rep>(frac * span));
  deadline_ = start_ + std::max(min_, timeout);
}

}  // namespace elector::core
