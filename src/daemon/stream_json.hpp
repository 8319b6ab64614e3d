// The JSON of the control API's event stream (GET /v1/events) beyond the event log's: the lease
// on the events where this node leads, and the `state` event that opens a stream.
//
// The library's events do not carry the lease (LeadershipAcquired has only its term), so it is
// read here, at the edge, from a snapshot of the node taken when the event is published: the
// time left at that instant, which is what a client needs to set its own deadline.
//
// Thread safety: pure functions, apart from reading `backend` (which allows any thread).
#pragma once

#include <string>
#include <string_view>

#include "daemon/control_backend.hpp"
#include "daemon/event_json.hpp"

namespace elector::daemon {

/// event_line(at, node, e), plus `lease_left_ms` on `leadership_acquired` and on a
/// `leader_changed` that names this node (`node`): the time left on this node's lease when the
/// event is published, 0 when by then it no longer leads in the event's term.
std::string stream_event_line(elector::Time at, std::string_view node, const elector::Event& e,
                              const ControlBackend& backend);

/// The `state` event: this node's view now (leader, term, role, is_leader, lease_left_ms) from
/// one status snapshot, stamped with CLOCK_MONOTONIC like the events.
Json state_json(const elector::NodeStatus& st);

}  // namespace elector::daemon
