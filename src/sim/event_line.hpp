// One core event as one line of text, for traces: the simulator's --trace output and the scenario
// scripts' golden traces (script.hpp). Stable on purpose: a change here rewrites every golden
// trace.
//
// Thread safety: a pure function.
#pragma once

#include <string>

#include "elector/events.hpp"
#include "elector/time.hpp"

namespace elector::sim {

/// The event's name and the fields that explain a run, e.g. "leadership_lost term=3
/// reason=lease_expired ended=1409.331ms" (instants in simulated ms since Cluster::epoch()).
std::string event_line(const Event& e);

/// A simulated instant as milliseconds since Cluster::epoch(), to the microsecond: "1409.331ms".
std::string sim_time(Time t);

}  // namespace elector::sim
