// A check of a config file's text that runs before toml++ parses it.
//
// toml++ 3.3.0 (Debian 12's) reaches __builtin_unreachable() when its parser asks whether some
// non-ASCII characters are whitespace: any non-ASCII character outside strings and comments,
// and one that follows a backslash in a multi-line basic string (after any spaces, tabs and line
// breaks). That is undefined behaviour on a user's typo, so these texts never reach the parser.
// TOML allows no non-ASCII character outside strings and comments, so rejecting those loses
// nothing; the backslash case is valid TOML that electord refuses, asking for the character as
// an escape (\uXXXX). docs/electord.md, "Options".
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace electord {

struct TomlTextProblem {
  std::size_t line = 1;    ///< 1-based
  std::size_t column = 1;  ///< 1-based, in bytes
  std::string message;
};

/// Returns the first place in `text` that toml++ cannot be trusted to parse, or nothing. Where
/// the text is not well-formed TOML for another reason (an unterminated string, say), the check
/// stops there and reports nothing: toml++ rejects the text at that point before reading on.
std::optional<TomlTextProblem> check_toml_text(std::string_view text);

}  // namespace electord
