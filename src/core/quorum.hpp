// The quorum rules, small and pure: how many supporters a lease needs and how many votes a
// campaign needs, from the settings and the size of the cluster (docs/design.md §4, "quorum").
//
// By default the quorum is a majority of the cluster's *known size*: the most voters (this node and
// the members with its settings) the node has known at once, or the declared `cluster_size` if
// larger. The known size is saved with the node's state, so neither a partition (members merely
// unreachable, failed or gone still count), nor a restart, nor a leave shrinks it (docs/design.md
// §7 says how an operator shrinks a cluster for good). An explicit `quorum_size` at or below half
// the known size is availability mode.
//
// Thread safety: values only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/member_directory.hpp"
#include "elector/config.hpp"

namespace elector::core {

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
///
/// The voters counted are kept as one bit per directory id: a node of a simulation of N nodes
/// counts up to N voters, and a set of N names in each of N nodes was N² strings.
class KnownSize {
 public:
  /// `declared`: the configured cluster_size (0: none); `saved`: what the previous process saved.
  KnownSize(std::size_t declared, std::size_t saved)
      : high_(std::max({declared, saved, std::size_t{1}})),
        dir_(std::make_shared<MemberDirectory>()) {}

  /// Names voters by their ids in `dir` (the node's membership directory) from now on, instead
  /// of a directory of its own: what was counted is kept.
  void use_directory(std::shared_ptr<MemberDirectory> dir);
  /// A voter (a member with this node's settings) is known: counted once, for good.
  void add(const std::string& name);
  /// A voter left gracefully. The size stays: a leave heard on one side of a partition only
  /// (the member may come back on the other) would shrink one side's quorum and not the other's.
  void left(const std::string& name);
  [[nodiscard]] std::size_t size() const { return high_; }

 private:
  std::size_t high_;
  std::shared_ptr<MemberDirectory> dir_;
  std::vector<bool> known_;  // by directory id
  std::size_t count_ = 0;    // bits set in known_
};

}  // namespace elector::core
