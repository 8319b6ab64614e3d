// Helpers shared by the simulator scenario tests.
#pragma once

#include <string>
#include <vector>

#include "sim/cluster.hpp"

namespace elector::test {

inline sim::Options options(int nodes, std::uint64_t seed = 1) {
  sim::Options o;
  o.nodes = nodes;
  o.seed = seed;
  return o;
}

/// Events of one kind seen by `node` (all nodes when empty).
template <class E>
std::vector<E> events_of(const sim::Cluster& c, const std::string& node = "") {
  std::vector<E> out;
  for (const auto& t : c.trace()) {
    if (!node.empty() && t.node != node) continue;
    if (const auto* e = std::get_if<E>(&t.event)) out.push_back(*e);
  }
  return out;
}

inline bool agreed_on(const sim::Cluster& c, const std::string& leader) {
  const auto l = c.agreed_leader();
  return l && *l == leader;
}

}  // namespace elector::test
