// Lifeguard's local health multiplier: a node that misses its own deadlines (slow, overloaded,
// frozen) stretches its probe timeouts instead of accusing healthy peers.
#pragma once

#include <algorithm>

#include "elector/time.hpp"

namespace elector::core {

class Awareness {
 public:
  explicit Awareness(int max) : max_(max) {}
  void apply(int delta) { score_ = std::clamp(score_ + delta, 0, max_ - 1); }
  [[nodiscard]] int score() const { return score_; }
  [[nodiscard]] Duration scale(Duration d) const { return d * (score_ + 1); }

 private:
  int max_;
  int score_ = 0;
};

}  // namespace elector::core
