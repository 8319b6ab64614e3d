// The election's tuning constants and small helpers, shared by the files of class Election
// (election.cpp: inputs, commands and time; election_votes.cpp: votes and campaigns;
// election_leader.cpp; election_follower.cpp). Internal to src/core.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace elector::core::election_internal {

// How many of the best-ranked candidates in a node's view campaign on their own when there is no
// leader (the first at once, the others after 2T per rank). One ranked lower waits for a leader,
// or for enough better ones to go down: hundreds campaigning together split the votes and load a
// shared machine until no one wins (docs/design.md §4, "who campaigns").
constexpr std::size_t kCampaigners = 8;
/// A campaign first asks the votes it needs plus a margin: an eighth more, at least this many.
constexpr std::size_t kMinVoteMargin = 4;
constexpr std::size_t kVoteMarginDivisor = 8;

inline bool named(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// Whether a leader whose heartbeats name `watchers` heartbeats `name` every T, over a stream
/// and as a datagram (Route::both): a named watcher, or every member when none are named. The
/// others are far members.
inline bool watched(const std::vector<std::string>& watchers, const std::string& name) {
  return watchers.empty() || named(watchers, name);
}

}  // namespace elector::core::election_internal
