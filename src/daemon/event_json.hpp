// The JSON form of a node's events: one object per event, the same in the event log
// (--event-log) and in the control API's event stream (GET /v1/events).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "elector/events.hpp"
#include "elector/time.hpp"

namespace elector::daemon {

/// Keys keep the order they are written in (t_mono_ns, node, event, then the event's fields), so
/// that lines read well.
using Json = nlohmann::ordered_json;

/// `at` is an instant of CLOCK_MONOTONIC, so that lines of nodes on one host compare.
Json event_json(elector::Time at, std::string_view node, const elector::Event& e);

/// event_json(...) on one line, without the newline.
std::string event_line(elector::Time at, std::string_view node, const elector::Event& e);

/// A short sentence for the daemon's log ("leader is now box2 (term 7)").
std::string event_text(const elector::Event& e);

}  // namespace elector::daemon
