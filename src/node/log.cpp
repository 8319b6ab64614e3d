#include "elector/log.hpp"

#include <cstdio>

namespace elector {

void log_to_stderr(LogLevel level, const std::string& text) {
  // One fprintf per line: stdio locks the stream, so lines from several threads do not mix.
  std::fprintf(stderr, "elector: %s: %s\n", to_string(level), text.c_str());
}

}  // namespace elector
