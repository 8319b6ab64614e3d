#include "daemon/metrics_record.hpp"

#include <chrono>

namespace elector::daemon {

Histogram::Histogram(std::vector<double> upper_bounds_s)
    : bounds(std::move(upper_bounds_s)), buckets(bounds.size(), 0) {}

void Histogram::observe(elector::Duration d) {
  const double s = std::chrono::duration<double>(d).count();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (s <= bounds[i]) ++buckets[i];
  }
  sum_s += s;
  ++count;
}

std::vector<double> election_buckets() {
  // A loopback election takes a few ms; one across a WAN or behind a slow pre-election hook takes
  // hundreds; one that waits for a lease to run out takes seconds.
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void MetricsRecord::election_finished(elector::Duration took) {
  std::lock_guard g(mu_);
  r_.election_duration.observe(took);
}

void MetricsRecord::leader_loss_detected(elector::Duration took) {
  std::lock_guard g(mu_);
  r_.leader_loss_detection.observe(took);
}

void MetricsRecord::hook_ran(const HookResult& r) {
  std::lock_guard g(mu_);
  ++r_.hook_runs[{r.phase, r.outcome}];
}

Recorded MetricsRecord::snapshot() const {
  std::lock_guard g(mu_);
  return r_;
}

}  // namespace elector::daemon
