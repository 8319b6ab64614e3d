// Runs helper commands (ip, iptables-restore) to completion, several at once when asked.
//
// Only the PIDs it starts are waited for, so the harness's electord children are never reaped
// here by mistake.
//
// Thread safety: none; call from the harness's thread.
#pragma once

#include <string>
#include <vector>

namespace chaos {

using Argv = std::vector<std::string>;

/// Runs every command at once (PATH lookup), with stdin from /dev/null and stdout and stderr to
/// `log_fd` (or /dev/null when negative); waits for all. True when every one exited 0.
bool run_all(const std::vector<Argv>& commands, int log_fd);

/// One command.
inline bool run(const Argv& command, int log_fd) {
  return run_all({command}, log_fd);
}

}  // namespace chaos
