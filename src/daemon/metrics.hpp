// The control API's Prometheus metrics (GET /metrics, text format 0.0.4). docs/metrics.md lists
// every metric with its type, unit and meaning.
//
// Thread safety: a pure function.
#pragma once

#include <optional>
#include <string>

#include "daemon/metrics_record.hpp"
#include "daemon/process_metrics.hpp"
#include "elector/node.hpp"

namespace elector::daemon {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics page for one node: the build, term, leadership and lease, members by state,
/// elections and their durations, traffic and dropped packets by reason, quorum and settings
/// mismatches (from `status` and `stats`); the daemon's own histograms and hook runs
/// (`recorded`); the process's CPU, memory and descriptors (`process`, left out when nullopt).
std::string render_metrics(const elector::NodeStatus& status, const elector::TransportStats& stats,
                           const Recorded& recorded = {},
                           const std::optional<ProcessStats>& process = std::nullopt);

}  // namespace elector::daemon
