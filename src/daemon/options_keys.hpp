// electord's configuration keys: one table, one row per key, which everything else reads.
//
// A row names the key once, in snake_case: that is its TOML key, its command-line option is the
// same in kebab-case (--quorum-size) and its environment variable in upper case with ELECTOR_
// in front (ELECTOR_QUORUM_SIZE). The row also carries what --help says about it, and how its
// value is checked (the parser, options_values.hpp) and stored (the setter). The command line
// (options_cli.hpp), the environment and the TOML file (options_toml.hpp) all take their keys
// from here, and the keys are applied in the table's order, which is the order of --help and of
// the messages.
//
// Thread safety: the table is built once, on first use, and read-only afterwards.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/options.hpp"
#include "daemon/options_values.hpp"

namespace elector::daemon {

/// How the command line takes a key.
enum class Shape {
  value,  ///< --key VALUE; the last occurrence wins
  list,   ///< --key VALUE, repeatable: every occurrence is kept, in order
  flag,   ///< --key alone means true; --key=false turns it off again
};

/// What the keys' setters fill: the settings, and the names of the files that are read once
/// every key is known (their contents, not their names, are settings).
struct KeyTarget {
  Settings& settings;
  std::string cookie_file;
  std::string control_token_file;
};

/// Checks a value and stores it: nullopt when it did, else why the value is bad.
using ApplyValue = std::function<std::optional<Why>(const RawValue& value, KeyTarget& to)>;

struct OptionKey {
  /// snake_case: the TOML key, and the root of the flag and the variable.
  const char* name;
  Shape shape;
  /// The value's placeholder and the description in --help.
  const char* value_name;
  const char* help;
  ApplyValue apply;
  /// False for the one key a config file cannot set (config itself).
  bool in_toml = true;
};

/// Every key, in the order of --help.
const std::vector<OptionKey>& option_keys();

/// The row of `name` (snake_case), or nullptr.
const OptionKey* find_key(std::string_view name);

/// "--quorum-size" for quorum_size.
std::string flag_name(std::string_view key);
/// "ELECTOR_QUORUM_SIZE" for quorum_size.
std::string env_name(std::string_view key);

}  // namespace elector::daemon
