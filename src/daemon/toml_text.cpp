#include "daemon/toml_text.hpp"

#include <algorithm>

namespace electord {
namespace {

bool non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

TomlTextProblem problem_at(std::string_view text, std::size_t pos, std::string message) {
  const auto before = text.substr(0, pos);
  const auto line_start = before.rfind('\n');
  TomlTextProblem p;
  p.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  p.column = line_start == std::string_view::npos ? pos + 1 : pos - line_start;
  p.message = std::move(message);
  return p;
}

/// Walks the text as TOML's lexer would, only as far as telling strings and comments from the
/// rest. `pos` always indexes the next unread byte.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<TomlTextProblem> run() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (non_ascii(c)) {
        return problem_at(text_, pos_,
                          "a non-ASCII character outside a string or comment (TOML allows "
                          "none there)");
      }
      if (c == '#') {
        skip_to_line_end();
      } else if (starts_with("\"\"\"")) {
        pos_ += 3;
        if (auto p = multi_line_basic()) return p;
      } else if (starts_with("'''")) {
        pos_ += 3;
        if (!close_multi_line('\'')) return std::nullopt;
      } else if (c == '"' || c == '\'') {
        ++pos_;
        if (!single_line(c)) return std::nullopt;
      } else {
        ++pos_;
      }
      if (stopped_) return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  void skip_to_line_end() {
    const auto nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl;
  }

  /// A one-line string after its opening quote; false if it is not closed on its line.
  bool single_line(char quote) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == quote) return true;
      if (c == '\n') return false;
      if (c == '\\' && quote == '"' && pos_ < text_.size()) ++pos_;  // the escaped byte
    }
    return false;
  }

  /// Consumes the closing delimiter of a multi-line string: three quotes, and up to two more that
  /// belong to the content. Call with pos_ at a quote.
  void take_closing(char quote) {
    std::size_t run = 0;
    while (pos_ + run < text_.size() && text_[pos_ + run] == quote && run < 5) ++run;
    pos_ += run;
  }

  /// A multi-line literal string after its opening delimiter; false if it is never closed.
  bool close_multi_line(char quote) {
    const std::string delimiter(3, quote);
    const auto end = text_.find(delimiter, pos_);
    if (end == std::string_view::npos) return false;
    pos_ = end;
    take_closing(quote);
    return true;
  }

  /// A multi-line basic string after its opening delimiter.
  std::optional<TomlTextProblem> multi_line_basic() {
    while (pos_ < text_.size()) {
      if (starts_with("\"\"\"")) {
        take_closing('"');
        return std::nullopt;
      }
      if (text_[pos_] != '\\') {
        ++pos_;
        continue;
      }
      ++pos_;
      // toml++ skips the spaces, tabs and line breaks after a backslash, then asks whether the
      // next character is whitespace too.
      const auto next = text_.find_first_not_of(" \t\r\n", pos_);
      if (next == std::string_view::npos) break;
      if (non_ascii(text_[next])) {
        return problem_at(text_, next,
                          "a non-ASCII character after a backslash in a multi-line string "
                          "(write it as an escape, \\uXXXX)");
      }
      // An escape takes the byte after the backslash; a line-ending backslash, all it skipped.
      pos_ = next == pos_ ? pos_ + 1 : next;
    }
    stopped_ = true;  // never closed
    return std::nullopt;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool stopped_ = false;
};

}  // namespace

std::optional<TomlTextProblem> check_toml_text(std::string_view text) {
  return Scanner(text).run();
}

}  // namespace electord
