// The reasons and outcomes a node reports: why an election started, why leadership ended, why a
// member went down, why a voter refused, how a campaign ended.
//
// They are enums everywhere inside; to_string() gives the name used at the edges (event log, HTTP,
// metrics labels, hooks), and that name is part of the event-log contract: never rename one.
// Refusal also travels on the wire as its numeric value: never renumber one, only append.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>

#include "elector/export.hpp"

namespace elector {

/// Why an election started (ElectionStarted::reason).
enum class ElectionReason : std::uint8_t {
  startup,           // this node started (a voter: the first election its process takes part in)
  member_joined,     // a member came up (joined, restarted, or was seen again)
  member_left,       // a member left gracefully
  member_failed,     // a member was declared failed or its process ended
  better_candidate,  // a member that ranks before the leader is up
  leader_lost,       // the followed leader is gone, or a campaign began without one
  leader_changed,    // a follower heard of a new leader without hearing the election
  leader_round,      // the leader said it is re-evaluating (a new election round)
  leader_resigned,   // the leader released its followers
  handover,          // a leader handed over, or this node was named successor
  handover_failed,   // the named successor did not take over in time
  higher_term,       // a leader heard a higher term and stepped down
  requested,         // an operator asked for an election
  cleared,           // an operator cleared the leader
};
ELECTOR_API const char* to_string(ElectionReason r);

/// Why this node stopped being leader (LeadershipLost::reason).
enum class LossReason : std::uint8_t {
  lease_expired,  // too few supporters renewed the lease in time
  handover,       // it handed over to a better candidate
  stopped,        // the node was stopped
  higher_term,    // it heard a higher term
  cleared,        // an operator cleared the leader
  unsaved,        // its state could not be saved
};
ELECTOR_API const char* to_string(LossReason r);

/// Why a member went down (MemberDown::reason).
enum class DownReason : std::uint8_t {
  failed,        // declared failed by failure detection (its process may still run)
  left,          // it left gracefully
  restarted,     // a new process of it appeared: the old one ended
  process_gone,  // a transport saw its process end
};
ELECTOR_API const char* to_string(DownReason r);

/// Why a voter refused a vote or pre-vote. The values are the wire codes of VoteResp.
enum class Refusal : std::uint8_t {
  none = 0,               // not refused (a grant)
  settings_mismatch = 1,  // the candidate's election settings differ
  not_candidate = 2,      // the candidate is not a candidate node
  not_member = 3,         // the voter does not know the candidate's process as up
  restarting = 4,         // the voter is in its quiet period after a start
  unsaved = 5,            // the voter's state could not be saved
  better_candidate = 6,   // the voter knows of a better-ranked candidate
  leader = 7,             // the voter leads, with a lease still running
  promised = 8,           // the voter's promise to another leader still runs
  leader_of_term = 9,     // the voter follows another leader of this term or later
  already_voted = 10,     // the voter voted for another candidate in this term
  stale_term = 11,        // the term asked for is older than the voter's
  unknown = 12,           // refused without saying why
};
ELECTOR_API const char* to_string(Refusal r);
/// The Refusal of a wire code; none for a code this version does not know (the decoder rejects
/// the message then, as it does an unknown member status).
ELECTOR_API std::optional<Refusal> refusal_of_code(std::uint64_t code);

/// The round of a campaign: the pre-vote ("would you vote for me?") or the vote itself.
enum class CampaignRound : std::uint8_t { pre, vote };
ELECTOR_API const char* to_string(CampaignRound r);

/// How one of this node's campaign rounds ended.
enum class CampaignOutcome : std::uint8_t {
  won,        // enough votes
  refused,    // too few votes left within reach
  timed_out,  // the deadline passed first
  abandoned,  // it heard a leader, voted for another, or stopped
};
ELECTOR_API const char* to_string(CampaignOutcome o);

}  // namespace elector
