// The leader's failure detector for members that do not probe (docs/design.md §3, "Probing
// delegated to the leader").
//
// A far follower of a live leader sends no probes: each one woke two processes (the target, and
// the prober again for the ack), and at 450 processes on two cores probes were most of the idle
// CPU. Such a follower acknowledges the leader's far heartbeat instead (a message over the
// connection it already has), and the leader suspects a member it has not heard from, by any
// message, for `limit` (three far intervals), as a failed probe would: the member refutes the
// suspicion if it is alive, SWIM's suspicion timeout declares it dead otherwise.
//
// Pure and single-threaded, like the rest of the core.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/member_list.hpp"
#include "elector/time.hpp"

namespace elector::core {

class LivenessWatch {
 public:
  /// Watches with `limit` (> 0), or stops (zero, which forgets what was heard). A member's window
  /// starts when the watch first sees it alive. A new limit while watching keeps what was heard.
  void set_limit(Time now, Duration limit);
  [[nodiscard]] bool on() const { return limit_ > Duration::zero(); }
  /// A message from member `id` arrived.
  void heard(Time now, std::uint32_t id);
  /// The up members (alive or suspect) of `members` silent for the limit; each then gets a fresh
  /// window, so that a refuted suspicion is not followed by another at once. Checks at most every
  /// limit / 8.
  [[nodiscard]] std::vector<std::uint32_t> take_silent(Time now, const MemberList& members);
  /// When take_silent next looks (kNever when not watching).
  [[nodiscard]] Time next_check() const { return on() ? next_check_ : kNever; }

 private:
  Duration limit_{};
  Time next_check_ = kNever;
  std::unordered_map<std::uint32_t, Time> heard_;
};

}  // namespace elector::core
