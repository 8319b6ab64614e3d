#include "net/diagnostics.hpp"

#include <chrono>

namespace elector::net {

void Diagnostics::log(LogLevel level, const std::string& text) const {
  if (sink_) sink_(level, name_ + ": " + text);
}

void Diagnostics::limited(LogLevel level, const std::string& key, const std::string& text,
                          Time now) {
  auto& last = last_[key];
  if (last != Time{} && now - last < std::chrono::seconds(10)) return;
  if (last_.size() > 10000) last_.clear();
  last_[key] = now;
  log(level, text);
}

}  // namespace elector::net
