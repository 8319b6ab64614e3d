// The control API's Prometheus metrics (GET /metrics, text format 0.0.4).
//
// Thread safety: a pure function.
#pragma once

#include <string>

#include "elector/node.hpp"

namespace elector::daemon {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics page for one node: term, leadership, members by state, elections, traffic and
/// dropped packets by reason, quorum and settings mismatches.
std::string render_metrics(const elector::NodeStatus& status, const elector::TransportStats& stats);

}  // namespace elector::daemon
