// `electorctl run`: runs a command while the local node leads, and only then
// (docs/electorctl-run.md). The decisions are RunSupervisor's; this is the shell around it that
// reads the clock, starts and signals the command, asks the node and waits.
#pragma once

#include <string>
#include <vector>

#include "ctl/endpoint.hpp"
#include "ctl/node_cmd.hpp"
#include "ctl/run_supervisor.hpp"

namespace elector::ctl {

struct RunOptions {
  RunSettings settings;
  std::vector<std::string> command;  // CMD ARGS..., looked up on PATH
};

/// Runs until the command exits by itself (its exit code, 128+N for signal N) or the runner is
/// stopped by SIGTERM, SIGINT or SIGHUP (the command's code once it is gone, 128+N when none
/// ran). Throws Failure when the runner cannot set itself up (signals, timers).
int cmd_run(const Endpoint& node, const RunOptions& options, Out io);

}  // namespace elector::ctl
