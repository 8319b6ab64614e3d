// The transport's diagnostics: lines for TransportHandlers::on_log, prefixed with the process's
// name, some of them rate-limited.
//
// What a remote peer can provoke (a flood of connections, packets under another secret) must
// not flood the log: such lines go through limited(), which writes a line for a key at most
// once per 10 s. The keys remembered are bounded (forgotten all at once past 10,000).
//
// Thread safety: the loop thread only.
#pragma once

#include <map>
#include <string>

#include "elector/log.hpp"
#include "elector/time.hpp"

namespace elector::net {

class Diagnostics {
 public:
  /// `sink` unset: every line is dropped.
  Diagnostics(LogSink sink, std::string name) : sink_(std::move(sink)), name_(std::move(name)) {}

  void log(LogLevel level, const std::string& text) const;
  /// Logs `text` unless a line with the same `key` was logged within 10 s before `now`.
  void limited(LogLevel level, const std::string& key, const std::string& text, Time now);
  void warn_limited(const std::string& key, const std::string& text, Time now) {
    limited(LogLevel::warn, key, text, now);
  }

 private:
  LogSink sink_;
  std::string name_;
  std::map<std::string, Time> last_;
};

}  // namespace elector::net
