// Successors that did not take over when a leader handed them the leadership.
//
// A handover that fails costs the cluster a leaderless spell (the followers wait up to 4T for the
// successor, then elect). So a member that failed is passed over by handovers for a pause that
// doubles with each failure, from `base` up to `max`; when the pause ends the leader looks again
// and, if the member still ranks first, hands it the leadership once more. Without the end of the
// pause, the best candidate of a priority cluster that was busy at the wrong moment (a storm of
// elections on a loaded machine) would never lead again until its membership changed.
//
// Pure state: the caller passes the time and asks for what expired.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "elector/time.hpp"

namespace elector::core {

class HandoverBackoff {
 public:
  /// Pauses of `base`, doubled per further failure up to `longest` times `base`.
  HandoverBackoff(Duration base, int longest);

  /// `name` was handed the leadership and did not take over: one more failure.
  void failed(Time now, const std::string& name);
  /// Forgets `name` (its membership changed, or it leads).
  void forget(const std::string& name);
  /// Whether handovers pass `name` over at `now`.
  [[nodiscard]] bool passed_over(Time now, const std::string& name) const;
  /// How many members are remembered (passed over now or not).
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  /// The end of the earliest pause not yet taken by take_ended(); kNever if none.
  [[nodiscard]] Time next_end() const;
  /// Members whose pause ended at or before `now`, each once per pause, by name.
  std::vector<std::string> take_ended(Time now);
  /// The pause after `failures` failures (1 or more).
  [[nodiscard]] Duration pause(int failures) const;

 private:
  struct Entry {
    int failures = 0;
    Time until{};
    bool ended = false;  // taken by take_ended()
  };
  Duration base_, max_;
  std::map<std::string, Entry> entries_;
};

}  // namespace elector::core
