// elector::MemberState: a member's state as a node sees it (NodeMember::status,
// NodeStatus::members_by_status).
//
// The text of each state (to_string) is what the control API, metrics and logs show; programs
// compare the enum, never the text. The protocol core uses this very enum (its MemberStatus),
// and gossip carries its numeric value (docs/wire.md): the order below is fixed.
//
// Thread safety: plain values and a pure function.
#pragma once

#include <array>
#include <cstdint>

namespace elector {

enum class MemberState : std::uint8_t {
  alive,    // answers
  suspect,  // stopped answering a probe; may refute the suspicion
  dead,     // declared failed
  left,     // said it leaves
};

/// Every state, in the order above (reports list them so).
inline constexpr std::array<MemberState, 4> kMemberStates = {
    MemberState::alive, MemberState::suspect, MemberState::dead, MemberState::left};

/// "alive", "suspect", "dead" or "left".
constexpr const char* to_string(MemberState s) {
  switch (s) {
    case MemberState::alive:
      return "alive";
    case MemberState::suspect:
      return "suspect";
    case MemberState::dead:
      return "dead";
    case MemberState::left:
      return "left";
  }
  return "?";
}

}  // namespace elector
