// The commands that talk to one node: leader, is-leader, term, members, status, elect,
// clear-leader, watch. Shared by the command line and the attach console.
//
// Each returns the exit code for the outcomes it reports itself (e.g. `leader` printing none
// returns 1) and throws Failure (or NodeError) when the node cannot be asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>

#include "ctl/endpoint.hpp"

namespace elector::ctl {

struct Out {
  std::ostream& out;  // results
  std::ostream& err;  // diagnostics
};

/// Timeout of one request to a node that should answer at once.
constexpr std::chrono::milliseconds kRequestTimeout{1000};

int cmd_leader(const Endpoint& node, Out io);
int cmd_is_leader(const Endpoint& node, Out io);
int cmd_term(const Endpoint& node, Out io);
int cmd_members(const Endpoint& node, Out io);
/// The cluster as this node knows it: its members list, then every member's own status.
int cmd_status(const Endpoint& node, Out io);
int cmd_elect(const Endpoint& node, bool sync, std::chrono::milliseconds timeout, Out io);
int cmd_clear_leader(const Endpoint& node, Out io);

struct WatchLimits {
  std::uint64_t max_events = 0;           // 0: no limit
  std::chrono::milliseconds duration{0};  // 0: no limit
};
/// Prints the JSON data of every event, one line each, flushed, until a limit is reached (exit 0)
/// or the stream ends (Failure).
int cmd_watch(const Endpoint& node, WatchLimits limits, Out io);

}  // namespace elector::ctl
