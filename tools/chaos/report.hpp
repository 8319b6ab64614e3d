// The checker's report as text for people and as JSON for scripts and documents.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "checks.hpp"
#include "run_log.hpp"

namespace chaos {

/// A summary: faults injected by kind, elections, the figures, then every violation.
std::string report_text(const RunLog& run, const Report& r);

nlohmann::json report_json(const RunLog& run, const Report& r);

}  // namespace chaos
