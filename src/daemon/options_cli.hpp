// electord's command line: the parser and its --help text, both made from the key table
// (options_keys.hpp), one option per row, in the table's order.
//
// Values are kept as text here; they are checked with the other sources' once all are merged.
//
// Thread safety: pure; builds its own parser on every call.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/options_values.hpp"

namespace elector::daemon {

struct CommandLine {
  /// The keys the command line gave, each with its flag as origin ("--quorum-size").
  Values values;
  /// The text --help or --version asked for (then there is nothing else).
  std::string output;
  /// Why the command line cannot be parsed (an unknown flag, a missing value), as a whole line.
  std::optional<std::string> error;
};

/// Parses `args` (without the program name).
CommandLine parse_command_line(const std::vector<std::string>& args);

}  // namespace elector::daemon
