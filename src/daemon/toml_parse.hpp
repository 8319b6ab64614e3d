// Parsing a config file's TOML text without toml++'s undefined behaviour.
//
// toml++ 3.3.0 (Debian 12's) reaches __builtin_unreachable() when its parser asks whether some
// non-ASCII characters are whitespace: where a non-ASCII character stands outside strings and
// comments, and where one follows a backslash in a multi-line basic string (after any spaces,
// tabs and line breaks). That is undefined behaviour on a user's typo, so such text never reaches
// the parser:
// - First a probe is parsed: the text with every non-ASCII byte replaced by '@', which TOML
//   allows in strings and comments and nowhere else. If the text is valid TOML, so is the probe;
//   if the probe fails, so does the text, and where the probe fails on a stand-in, the text has a
//   non-ASCII character where TOML allows none.
// - Once the probe has parsed, the strings and comments are where a TOML lexer finds them, and a
//   scan refuses a non-ASCII character after a backslash in a multi-line basic string. That is
//   valid TOML that electord refuses, asking for the character as an escape (\uXXXX).
// docs/electord.md, "Options".
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/toml.hpp"

namespace elector::daemon {

struct TomlProblem {
  std::size_t line = 1;    ///< 1-based
  std::size_t column = 1;  ///< 1-based, in characters (as toml++ counts them)
  std::string message;
};

/// Parses `text` (named `path` in the nodes' source regions) or says where and why it cannot.
std::variant<toml::table, TomlProblem> parse_toml(std::string_view text, std::string_view path);

}  // namespace elector::daemon
