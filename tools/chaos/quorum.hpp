// Whether a quorum of nodes is up and able to reach each other.
//
// Thread safety: a pure function.
#pragma once

#include <vector>

namespace chaos {

/// `up[i]`: node i runs and is not frozen; `side[i]`: its side of the network cut (all equal
/// when the network is whole). True when one side holds at least `quorum` up nodes.
bool quorum_connected(const std::vector<bool>& up, const std::vector<int>& side, int quorum);

}  // namespace chaos
