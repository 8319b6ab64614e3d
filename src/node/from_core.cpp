#include "node/from_core.hpp"

namespace elector {

NodeRole public_role(Role r) {
  switch (r) {
    case Role::follower:
      return NodeRole::follower;
    case Role::pre_candidate:
      return NodeRole::pre_candidate;
    case Role::candidate:
      return NodeRole::candidate;
    case Role::leader:
      return NodeRole::leader;
  }
  return NodeRole::follower;
}

MemberState public_state(MemberStatus s) {
  switch (s) {
    case MemberStatus::alive:
      return MemberState::alive;
    case MemberStatus::suspect:
      return MemberState::suspect;
    case MemberStatus::dead:
      return MemberState::dead;
    case MemberStatus::left:
      return MemberState::left;
  }
  return MemberState::dead;
}

ElectResult public_result(ElectOutcome o) {
  switch (o) {
    case ElectOutcome::started:
      return ElectResult::started;
    case ElectOutcome::quorum_not_met:
      return ElectResult::quorum_not_met;
    case ElectOutcome::stopped:
      return ElectResult::stopped;
  }
  return ElectResult::stopped;
}

}  // namespace elector
