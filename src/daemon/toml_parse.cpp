#include "daemon/toml_parse.hpp"

#include <algorithm>
#include <optional>

namespace elector::daemon {
namespace {

constexpr char kStandIn = '@';

bool non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

/// The byte offset of a 1-based (line, column) position counted in bytes, or npos.
std::size_t offset_of(std::string_view text, std::size_t line, std::size_t column) {
  std::size_t start = 0;
  for (std::size_t l = 1; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return std::string_view::npos;
    ++start;
  }
  const std::size_t at = start + column - 1;
  return column >= 1 && at < text.size() ? at : std::string_view::npos;
}

/// The 1-based column of byte `offset`, counted in characters as toml++ counts them.
std::size_t column_at(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, offset);
  const auto line_start = before.rfind('\n');
  const auto line = before.substr(line_start == std::string_view::npos ? 0 : line_start + 1);
  // UTF-8 continuation bytes (10xxxxxx) do not start a character.
  return 1 + static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
           return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
         }));
}

/// The problem at byte `offset`.
TomlProblem problem_at(std::string_view text, std::size_t offset, std::string message) {
  const auto before = text.substr(0, offset);
  return TomlProblem{1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')),
                     column_at(text, offset), std::move(message)};
}

TomlProblem from_parse_error(const toml::parse_error& e) {
  return TomlProblem{e.source().begin.line, e.source().begin.column, std::string(e.description())};
}

/// In text that parses as TOML, the first non-ASCII character that follows a backslash in a
/// multi-line basic string, after any spaces, tabs and line breaks: toml++ asks whether it is
/// whitespace. Reads strings and comments as TOML's lexer does; that is exact only for valid TOML.
std::optional<std::size_t> after_backslash_in_multi_line_string(std::string_view text) {
  std::size_t pos = 0;
  const auto starts_with = [&](std::string_view s) { return text.substr(pos).starts_with(s); };
  // The closing delimiter of a multi-line string: three quotes, and up to two more that belong
  // to the content.
  const auto take_closing = [&](char quote) {
    std::size_t run = 0;
    while (pos + run < text.size() && text[pos + run] == quote && run < 5) ++run;
    pos += run;
  };
  while (pos < text.size()) {
    if (text[pos] == '#') {
      pos = std::min(text.find('\n', pos), text.size());
    } else if (starts_with("'''")) {
      pos = std::min(text.find("'''", pos + 3), text.size());
      take_closing('\'');
    } else if (text[pos] == '\'') {
      pos = std::min(text.find('\'', pos + 1), text.size()) + 1;
    } else if (starts_with("\"\"\"")) {
      pos += 3;
      while (pos < text.size() && !starts_with("\"\"\"")) {
        if (text[pos++] != '\\') continue;
        const auto next = text.find_first_not_of(" \t\r\n", pos);
        if (next == std::string_view::npos) return std::nullopt;
        if (non_ascii(text[next])) return next;
        // An escape takes the byte after the backslash; a line-ending backslash, all it skipped.
        pos = next == pos ? pos + 1 : next;
      }
      take_closing('"');
    } else if (text[pos] == '"') {
      for (++pos; pos < text.size() && text[pos] != '"'; ++pos) {
        if (text[pos] == '\\') ++pos;  // the escaped byte
      }
      ++pos;
    } else {
      ++pos;
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<toml::table, TomlProblem> parse_toml(std::string_view text, std::string_view path) {
  if (std::any_of(text.begin(), text.end(), non_ascii)) {
    std::string probe(text);
    std::replace_if(probe.begin(), probe.end(), non_ascii, kStandIn);
    try {
      (void)toml::parse(probe, path);
    } catch (const toml::parse_error& e) {
      const auto at = offset_of(probe, e.source().begin.line, e.source().begin.column);
      if (at != std::string_view::npos && non_ascii(text[at])) {
        return problem_at(text, at,
                          "a non-ASCII character where TOML allows none (only strings and "
                          "comments may hold one)");
      }
      auto problem = from_parse_error(e);
      if (at != std::string_view::npos) problem.column = column_at(text, at);
      return problem;
    }
    if (const auto at = after_backslash_in_multi_line_string(text)) {
      return problem_at(text, *at,
                        "a non-ASCII character after a backslash in a multi-line string (write "
                        "it as an escape, \\uXXXX)");
    }
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return from_parse_error(e);
  }
}

}  // namespace elector::daemon
