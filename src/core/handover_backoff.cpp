#include "core/handover_backoff.hpp"

#include <algorithm>

namespace elector::core {

HandoverBackoff::HandoverBackoff(Duration base, int longest) : base_(base), max_(base * longest) {}

Duration HandoverBackoff::pause(int failures) const {
  Duration p = base_;
  for (int i = 1; i < failures && p < max_; ++i) p *= 2;
  return std::min(p, max_);
}

void HandoverBackoff::failed(Time now, const std::string& name) {
  Entry& e = entries_[name];
  ++e.failures;
  e.until = now + pause(e.failures);
  e.ended = false;
}

void HandoverBackoff::forget(const std::string& name) {
  entries_.erase(name);
}

bool HandoverBackoff::passed_over(Time now, const std::string& name) const {
  const auto it = entries_.find(name);
  return it != entries_.end() && now < it->second.until;
}

Time HandoverBackoff::next_end() const {
  Time t = kNever;
  for (const auto& [name, e] : entries_) {
    if (!e.ended) t = std::min(t, e.until);
  }
  return t;
}

std::vector<std::string> HandoverBackoff::take_ended(Time now) {
  std::vector<std::string> out;
  for (auto& [name, e] : entries_) {
    if (e.ended || now < e.until) continue;
    e.ended = true;
    out.push_back(name);
  }
  return out;
}

}  // namespace elector::core
