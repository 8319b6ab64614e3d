// electord's logs: spdlog's default logger writing to stderr, as text or as JSON lines
// (--log-format json: one object per line with ts, t_mono_ns, level, node and msg).
//
// Thread safety: call setup_logging() once, before other threads log; logging itself is
// thread-safe.
#pragma once

#include <memory>
#include <string>

#include <spdlog/formatter.h>

#include "daemon/options.hpp"
#include "elector/log.hpp"

namespace elector::daemon {

/// Formats a record as one JSON object (tests use it directly).
std::unique_ptr<spdlog::formatter> make_json_formatter(std::string node);

/// Makes a stderr logger in `format` at `level` the default logger: it writes the lines at
/// `level` and above (nothing at LogLevel::off).
void setup_logging(LogFormat format, elector::LogLevel level, const std::string& node);

/// The node's own diagnostics (NodeCallbacks::log), to the default logger at their level.
void log_node(elector::LogLevel level, const std::string& text);

}  // namespace elector::daemon
