// The quorum rules, small and pure: how many supporters a lease needs and how many votes a
// campaign needs, from the settings and the size of the cluster (docs/design.md §4, "quorum").
//
// By default the quorum is a majority of the cluster's *known size*: the most voters (this node and
// the members with its settings) the node has known at once, or the declared `cluster_size` if
// larger. The known size is saved with the node's state, so neither a partition (members merely
// unreachable or failed still count) nor a restart shrinks it; only a member's graceful leave
// lowers it. An explicit `quorum_size` at or below half the known size is availability mode.
//
// Thread safety: values only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>

#include "elector/config.hpp"

namespace elector {

[[nodiscard]] constexpr std::size_t majority_of(std::size_t n) {
  return n / 2 + 1;
}

/// The quorum q for a cluster of `known` voters: the configured quorum_size, or a majority.
[[nodiscard]] std::size_t quorum_for(const Config& c, std::size_t known);

/// Whether two disjoint groups of the cluster could each reach q: no safety guarantee.
[[nodiscard]] constexpr bool availability_mode(std::size_t q, std::size_t known) {
  return 2 * q <= known;
}

/// The cluster's known size as one node tracks it.
class KnownSize {
 public:
  /// `declared`: the configured cluster_size (0: none); `saved`: what the previous process saved.
  KnownSize(std::size_t declared, std::size_t saved)
      : declared_(declared), high_(std::max({declared, saved, std::size_t{1}})) {}

  /// A voter (a member with this node's settings) is known: counted once, for good.
  void add(const std::string& name) {
    if (names_.insert(name).second) high_ = std::max(high_, names_.size() + 1);
  }
  /// A voter left gracefully: the cluster is one smaller, unless other counts say otherwise.
  void left(const std::string& name) {
    if (names_.erase(name) == 0) return;
    high_ = std::max({declared_, names_.size() + 1, high_ - 1, std::size_t{1}});
  }
  [[nodiscard]] std::size_t size() const { return high_; }

 private:
  std::size_t declared_;
  std::size_t high_;
  std::set<std::string> names_;
};

}  // namespace elector
