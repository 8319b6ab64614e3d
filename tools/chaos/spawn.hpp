// Starts a long-lived child of the harness (an electord, a workload's runner): in its own
// process group, with stdin from /dev/null and stdout and stderr appended to a log file,
// optionally inside a network namespace, and killed by the kernel if the harness dies.
//
// Thread safety: none; call from the harness's thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace chaos {

/// Forks and execs `args` (args[0] is a path; no PATH lookup). `netns_path` ("" for none) is a
/// /run/netns/NAME file to enter first; `extra_env` ("KEY=VALUE") is added to the environment.
/// Returns the child's pid, or -1 when fork(2) failed. The child exits 126 when it cannot enter
/// the namespace and 127 when it cannot exec.
pid_t spawn(const std::vector<std::string>& args, const std::string& netns_path,
            const std::string& log_path, const std::vector<std::string>& extra_env = {});

}  // namespace chaos
