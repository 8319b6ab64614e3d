// What a node has to say about itself, outside the protocol's events: a seed that does not
// resolve, a callback that threw, file descriptors running out.
//
// The library logs through NodeCallbacks::log and nothing else, so that a program embedding a
// Node chooses its own logging (electord sends these lines to spdlog). Unset, they go to stderr.
#pragma once

#include <functional>
#include <string>

#include "elector/export.hpp"

namespace elector {

/// How much a line matters, least first. The library writes info, warn and error lines only; the
/// other levels let a program that embeds it grade and filter its own lines on the same scale
/// (electord's --log-level). `off` is a threshold, never the level of a line: it lets nothing
/// through.
enum class LogLevel { trace, debug, info, warn, error, critical, off };

/// Every level, least first.
inline constexpr LogLevel kLogLevels[] = {LogLevel::trace, LogLevel::debug, LogLevel::info,
                                          LogLevel::warn,  LogLevel::error, LogLevel::critical,
                                          LogLevel::off};

/// "trace", "debug", "info", "warn", "error", "critical" or "off". Inline so that a program that
/// only filters (electord's settings) need not link the node library.
constexpr const char* to_string(LogLevel l) {
  switch (l) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
    case LogLevel::critical:
      return "critical";
    case LogLevel::off:
      return "off";
  }
  return "unknown";
}

/// The sink of a node's diagnostics, one line each, without a trailing newline. Called on
/// whichever thread found the condition (the node's network thread, its callback thread, or a
/// thread calling a Node method), possibly concurrently and often with the node's lock held: it
/// must be thread-safe, must not block, must not throw, and must not call into the Node.
using LogSink = std::function<void(LogLevel level, const std::string& text)>;

/// Writes "elector: <level>: <text>" to stderr: the sink of a node given none.
ELECTOR_API void log_to_stderr(LogLevel level, const std::string& text);

}  // namespace elector
