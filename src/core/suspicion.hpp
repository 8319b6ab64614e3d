// Lifeguard's dynamic suspicion timeout: a suspicion starts long and shrinks (logarithmically)
// with each independent member that confirms it, so a truly failed node is declared dead fast
// while a lone, possibly mistaken accuser cannot declare it quickly.
#pragma once

#include <set>
#include <string>

#include "elector/time.hpp"

namespace elector::core {

class Suspicion {
 public:
  /// `expected`: confirmations that bring the timeout down to `min`.
  Suspicion(const std::string& from, int expected, Duration min, Duration max, Time start);
  /// Counts a new accuser; false when it was already counted.
  bool confirm(const std::string& from);
  [[nodiscard]] Time deadline() const { return deadline_; }
  [[nodiscard]] int confirmations() const { return static_cast<int>(accusers_.size()) - 1; }

 private:
  void recompute();
  int expected_;
  Duration min_, max_;
  Time start_;
  Time deadline_;
  std::set<std::string> accusers_;
};

}  // namespace elector::core
