#include "elector/log.hpp"

#include <cstdio>

namespace elector {

const char* to_string(LogLevel l) {
  switch (l) {
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "unknown";
}

void log_to_stderr(LogLevel level, const std::string& text) {
  // One fprintf per line: stdio locks the stream, so lines from several threads do not mix.
  std::fprintf(stderr, "elector: %s: %s\n", to_string(level), text.c_str());
}

}  // namespace elector
