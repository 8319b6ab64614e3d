// electord's TOML config file (--config FILE.toml): its keys, as values to merge with the other
// sources.
//
// A key is a row of the key table (options_keys.hpp) in snake_case, or one of the spellings
// accepted besides (pre_election_hooks, post_election_hooks, candidate_node). Unknown keys,
// tables, `config` itself and both spellings of one key are errors. Each value's origin is
// "KEY in PATH", with the key as the file spells it, so that a message about it names the TOML
// key, never the command-line flag.
//
// Thread safety: pure, but for what `read_file` does.
#pragma once

#include <string>
#include <vector>

#include "daemon/options.hpp"
#include "daemon/options_values.hpp"

namespace elector::daemon {

/// Reads the file `path`, which the setting from `origin` names ("--config", "ELECTOR_CONFIG"),
/// and adds its keys to `out`. Returns false, with one line per problem in `errors`, when the
/// file cannot be read or parsed or has keys no row knows.
bool load_toml(const std::string& path, const std::string& origin, const FileReader& read_file,
               Values& out, std::vector<std::string>& errors);

}  // namespace elector::daemon
