// elector::NodeRole: where a node stands in the election protocol, as a Node reports it
// (NodeStatus::role).
//
// The text of each role (to_string) is what the control API, metrics and logs show; programs
// compare the enum, never the text.
//
// Thread safety: plain values and a pure function.
#pragma once

#include <cstdint>

namespace elector {

enum class NodeRole : std::uint8_t {
  follower,       // follows a leader, or waits for one
  pre_candidate,  // asks the others whether they would vote for it (no term taken yet)
  candidate,      // asks for votes in a new term
  leader,         // won its term; leads while its lease holds (Node::is_leader says)
};

/// "follower", "pre_candidate", "candidate" or "leader".
constexpr const char* to_string(NodeRole r) {
  switch (r) {
    case NodeRole::follower:
      return "follower";
    case NodeRole::pre_candidate:
      return "pre_candidate";
    case NodeRole::candidate:
      return "candidate";
    case NodeRole::leader:
      return "leader";
  }
  return "?";
}

}  // namespace elector
