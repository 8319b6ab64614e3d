// The state a node holds in each role other than leading (leadership.hpp): the support it gives
// as a follower or voter, and its own campaign as a (pre-)candidate. Election holds at most one
// of each; which ones it holds is its role (Election::role()).
//
// Thread safety: values, owned by one Election.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/vote_tally.hpp"
#include "elector/time.hpp"

namespace elector::core {

/// Whom this node follows or has voted for. Until `bound_until` it is *bound*: the supported
/// node may count on it (a vote, or an acknowledged heartbeat as a watcher) and it supports no
/// one else. Until `until` (>= bound_until) it still believes the supported leader alive: a far
/// follower, which the leader heartbeats rarely and does not count on, then refuses only
/// candidates that the leader did not name among its `watchers`.
struct Support {
  std::string name;
  std::uint64_t boot = 0;
  std::uint64_t term = 0;
  Time until{};
  Time bound_until{};
  std::vector<std::string> watchers;
};

/// This node's own campaign: one round, a pre-vote (no term taken) or a vote in `term`.
struct Campaign {
  std::uint64_t term = 0;
  bool pre = true;
  /// Named successor of a leader that handed over: it skips the pre-vote.
  bool designated = false;
  Time sent{};
  Duration length{};  // sent + length = deadline
  Time deadline{};
  /// Voters not asked yet (a big cluster asks a majority and a margin first), in asking order,
  /// and when the rest are asked anyway.
  std::vector<std::string> unasked;
  Time ask_rest_at = kNever;
  VoteTally votes;
  /// The longest promise to a lost leader that a refusing voter still has left: the next try
  /// waits for it.
  std::int64_t promise_left_ms = 0;
  bool retry_soon = false;
  /// Voters that refused only because their promise to the lost leader has a moment left:
  /// asked again when it ends, within this same campaign.
  std::map<std::string, Time> reask;
};

}  // namespace elector::core
