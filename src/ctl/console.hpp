// `attach`: an interactive console on one node.
//
// Reads one command per line and answers it, with a prompt ("box2> ") before each line. Works
// the same when stdin is a pipe, so it can be scripted. Commands: leader, is-leader, term,
// members, status, elect, elect sync, clear-leader, watch [SECONDS], help, quit (or exit, or
// end of input). On a terminal, watch streams until Enter (or SECONDS); otherwise it streams
// for SECONDS (3 by default), since the next scripted line must not end it at once.
#pragma once

#include <iosfwd>
#include <string>

#include "ctl/endpoint.hpp"

namespace elector::ctl {

struct ConsoleIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  /// The file descriptor behind `in` when it is a terminal (watch then ends on Enter); -1
  /// otherwise.
  int terminal_fd = -1;
};

/// Runs the console until quit or end of input; returns the exit code (0). A command that fails
/// prints its error and the console goes on. `name` is the node's name for the prompt.
int run_console(const Endpoint& node, const std::string& name, ConsoleIo io);

/// The node's own name, for the prompt; throws NodeError if the node does not answer.
std::string node_name(const Endpoint& node);

}  // namespace elector::ctl
