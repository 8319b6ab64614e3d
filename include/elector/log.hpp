// What a node has to say about itself, outside the protocol's events: a seed that does not
// resolve, a callback that threw, file descriptors running out.
//
// The library logs through NodeCallbacks::log and nothing else, so that a program embedding a
// Node chooses its own logging (electord sends these lines to spdlog). Unset, they go to stderr.
#pragma once

#include <functional>
#include <string>

namespace elector {

enum class LogLevel { info, warn, error };

const char* to_string(LogLevel l);

/// The sink of a node's diagnostics, one line each, without a trailing newline. Called on
/// whichever thread found the condition (the node's network thread, its callback thread, or a
/// thread calling a Node method), possibly concurrently and often with the node's lock held: it
/// must be thread-safe, must not block, must not throw, and must not call into the Node.
using LogSink = std::function<void(LogLevel level, const std::string& text)>;

/// Writes "elector: <level>: <text>" to stderr: the sink of a node given none.
void log_to_stderr(LogLevel level, const std::string& text);

}  // namespace elector
