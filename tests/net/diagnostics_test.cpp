// The transport's rate-limited diagnostics (net::Diagnostics): what a remote peer can provoke is
// logged at most once per 10 s per key.

#include "net/diagnostics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace elector::net {
namespace {

using namespace std::chrono_literals;

TEST(Diagnostics, ALimitedLineIsWrittenOncePerKeyPerTenSeconds) {
  std::vector<std::string> lines;
  Diagnostics log([&](LogLevel, const std::string& text) { lines.push_back(text); }, "n1");
  const Time t0 = Time(1000s);
  log.warn_limited("auth:10.0.0.1", "first", t0);
  log.warn_limited("auth:10.0.0.1", "again", t0 + 9s);
  log.warn_limited("auth:10.0.0.2", "other host", t0 + 9s);
  log.warn_limited("auth:10.0.0.1", "later", t0 + 10s);
  EXPECT_EQ(lines, (std::vector<std::string>{"n1: first", "n1: other host", "n1: later"}));
}

TEST(Diagnostics, PlainLinesAreNeverLimitedAndAnUnsetSinkDropsThem) {
  std::vector<std::string> lines;
  Diagnostics log([&](LogLevel, const std::string& text) { lines.push_back(text); }, "n1");
  log.log(LogLevel::warn, "x");
  log.log(LogLevel::warn, "x");
  EXPECT_EQ(lines.size(), 2u);
  Diagnostics silent(LogSink{}, "n2");
  silent.log(LogLevel::error, "nobody hears this");
  silent.warn_limited("k", "nor this", Time(1s));
}

}  // namespace
}  // namespace elector::net
