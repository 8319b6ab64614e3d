// elector::ElectResult: what asking for an election did (Node::elect, Node::elect_sync).
//
// The text of each result (to_string) is what the control API answers; programs compare the
// enum, never the text.
//
// Thread safety: plain values and a pure function.
#pragma once

#include <cstdint>

namespace elector {

enum class ElectResult : std::uint8_t {
  started,         // an election started (a follower asked the leader to run one)
  quorum_not_met,  // fewer than a quorum of members are reachable: no election can be won
  stopped,         // the node is not running (not started yet, or stopping)
};

/// "started", "quorum_not_met" or "stopped".
constexpr const char* to_string(ElectResult r) {
  switch (r) {
    case ElectResult::started:
      return "started";
    case ElectResult::quorum_not_met:
      return "quorum_not_met";
    case ElectResult::stopped:
      return "stopped";
  }
  return "?";
}

}  // namespace elector
