#include "sim/invariants.hpp"

namespace elector::sim {

namespace {
/// "t=<ms>ms", counted from the simulated epoch (Cluster::epoch(), one hour).
std::string at_ms(Time t) {
  return "t=" + std::to_string(to_ms(t.time_since_epoch()) - 3600000) + "ms";
}
}  // namespace

void Invariants::fail(Time now, const std::string& what) {
  if (violations_.size() < 100) violations_.push_back(at_ms(now) + " " + what);
}

void Invariants::on_event(Time now, const std::string& node, std::uint64_t, const Event& e) {
  if (const auto* a = std::get_if<LeadershipAcquired>(&e)) {
    ++acquisitions_;
    if (leading_[node]) fail(now, node + " acquired term " + std::to_string(a->term) + " twice");
    leading_[node] = true;
    if (strict_ && a->term <= max_acquired_) {
      fail(now, node + " acquired term " + std::to_string(a->term) + " not above " +
                    std::to_string(max_acquired_));
    }
    max_acquired_ = std::max(max_acquired_, a->term);
  } else if (const auto* l = std::get_if<LeadershipLost>(&e)) {
    if (!leading_[node]) fail(now, node + " lost term " + std::to_string(l->term) + " never held");
    leading_[node] = false;
  }
}

void Invariants::check_term(Time now, const std::string& node, std::uint64_t boot,
                            std::uint64_t term) {
  auto [it, fresh] = term_.try_emplace(node, boot, term);
  if (fresh) return;
  auto& [b, t] = it->second;
  if (boot != b) {  // a new process: its terms start afresh, and it leads nothing yet
    b = boot;
    t = term;
    leading_[node] = false;
    return;
  }
  if (term < t) {
    fail(now, node + " term went back from " + std::to_string(t) + " to " + std::to_string(term));
  }
  t = term;
}

void Invariants::check_leaders(Time now, const std::vector<Lease>& valid) {
  if (!strict_ || valid.size() <= 1) return;
  std::string who;
  for (const auto& l : valid) {
    who += (who.empty() ? "" : ",") + l.node + " (term " + std::to_string(l.term) +
           ", lease until " + at_ms(l.end) + ")";
  }
  fail(now, "two leaders at once: " + who);
}

}  // namespace elector::sim
