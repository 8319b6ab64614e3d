// What a node tells the application, the event log and the hooks.
//
// Exact semantics (the core guarantees them; tests check them):
//  - LeaderChanged: once per change of the (leader, term) this node sees (including to "none").
//  - LeadershipAcquired: once per term this node wins.
//  - LeadershipLost: only on a node that was leader, once per LeadershipAcquired, with the instant
//    from which it was no longer leader (its lease's end when the lease ran out unnoticed).
//  - ElectionStarted / ElectionFinished: paired by `election`; see docs/design.md for when a node
//    takes part in an election.
//  - MemberUp / MemberDown: transitions of other members between up (alive or suspect) and down.
//  - SettingsMismatch: a member's election settings differ from ours; it is not voted for. Once
//    per member name, when the member has told us its settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "elector/config.hpp"
#include "elector/export.hpp"
#include "elector/reasons.hpp"
#include "elector/time.hpp"

namespace elector {

struct LeaderChanged {
  std::optional<std::string> leader;
  std::uint64_t term = 0;
};
struct LeadershipAcquired {
  std::uint64_t term = 0;
};
struct LeadershipLost {
  std::uint64_t term = 0;
  Time effective{};
  LossReason reason = LossReason::lease_expired;
};
struct ElectionStarted {
  std::uint64_t election = 0;  // local counter, pairs started with finished
  ElectionReason reason = ElectionReason::startup;
  /// This node runs the election from its start: it campaigns at once, or evaluates as leader.
  bool initiator = false;
};
struct ElectionFinished {
  std::uint64_t election = 0;
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  Duration took{};
  /// This node ran the election, also one it began to campaign in only after waiting for better
  /// candidates (ElectionStarted said false then).
  bool initiator = false;
};
struct MemberUp {
  std::string member;
};
struct MemberDown {
  std::string member;
  DownReason reason = DownReason::failed;
};
/// The settings every member of a cluster must share (election_settings_hash covers them), as one
/// member runs with them.
struct ElectionSettings {
  std::string strategy;
  std::int64_t quorum_size = 0;
  Duration election_delay{};
  Duration heartbeat_interval{};
  HooksExecution hooks_execution = HooksExecution::local;
  bool automatic_elections = true;
  bool operator==(const ElectionSettings&) const = default;
};
enum class ElectionSetting : std::uint8_t {
  strategy,
  quorum_size,
  election_delay,
  heartbeat_interval,
  hooks_execution,
  automatic_elections,
};
/// The settings of `a` and `b` that differ, in the order of ElectionSetting.
ELECTOR_API std::vector<ElectionSetting> differences(const ElectionSettings& a,
                                                     const ElectionSettings& b);

struct SettingsMismatch {
  std::string member;
  /// The settings that differ, and their values on the member and on this node.
  std::vector<ElectionSetting> differs;
  ElectionSettings member_settings;
  ElectionSettings own_settings;
};
/// The cluster grew to twice the explicitly configured quorum_size or more (or this node started
/// so): two disjoint halves could each elect a leader. Reported once per crossing.
struct AvailabilityMode {
  std::uint64_t quorum = 0;
  std::uint64_t cluster_size = 0;
};

using Event =
    std::variant<LeaderChanged, LeadershipAcquired, LeadershipLost, ElectionStarted,
                 ElectionFinished, MemberUp, MemberDown, SettingsMismatch, AvailabilityMode>;

/// A hook the runtime must run. Hooks of one node run one at a time, in the order requested, each
/// killed after `hook_timeout`. A pre-election hook starts before the node's campaign or vote
/// leaves (the runtime holds the step's messages until then, `hook_timeout` at most); nothing
/// waits for a hook to end, so a hung hook cannot block an election.
struct HookRequest {
  enum class Phase { pre, post } phase = Phase::pre;
  std::uint64_t election = 0;
  std::optional<std::string> leader;  // post: the elected leader (none if the election failed)
  std::uint64_t term = 0;
  /// pre: whether this node led when the election started (a leader that re-evaluates);
  /// post: whether this node is the leader.
  bool is_leader = false;
};

ELECTOR_API const char* event_name(const Event& e);

}  // namespace elector
