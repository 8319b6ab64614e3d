// What the daemon counts itself for the metrics page (metrics.hpp), beside what the node reports:
// election durations and the time followers took to notice a leader's loss (histograms), and
// hook runs by phase and outcome.
//
// Thread safety: every method may be called from any thread (one mutex); snapshot() returns a
// copy.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "daemon/hook_runner.hpp"
#include "elector/time.hpp"

namespace elector::daemon {

/// A Prometheus histogram of durations: cumulative counts per upper bound (seconds), plus the
/// sum and count of every observation.
struct Histogram {
  explicit Histogram(std::vector<double> upper_bounds_s);
  void observe(elector::Duration d);

  std::vector<double> bounds;          // upper bounds in seconds, ascending; +Inf is `count`
  std::vector<std::uint64_t> buckets;  // observations <= bounds[i] (cumulative)
  double sum_s = 0;
  std::uint64_t count = 0;
};

/// Upper bounds for durations of a few ms to a few s (elections, leader-loss detection).
std::vector<double> election_buckets();

struct Recorded {
  Histogram election_duration{election_buckets()};
  Histogram leader_loss_detection{election_buckets()};
  /// Hook runs by phase and outcome.
  std::map<std::pair<elector::HookRequest::Phase, HookResult::Outcome>, std::uint64_t> hook_runs;
};

class MetricsRecord {
 public:
  /// An election this node saw finish (ElectionFinished::took).
  void election_finished(elector::Duration took);
  /// A follower's last heartbeat from its leader to the moment it gave the leader up.
  void leader_loss_detected(elector::Duration took);
  void hook_ran(const HookResult& r);
  [[nodiscard]] Recorded snapshot() const;

 private:
  mutable std::mutex mu_;
  Recorded r_;
};

}  // namespace elector::daemon
