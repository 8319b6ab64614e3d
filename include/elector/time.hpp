// Time as the protocol core sees it.
//
// The core never reads a clock: every input carries the current instant, taken by the caller from a
// monotonic clock (CLOCK_MONOTONIC in the daemon, simulated time in the simulator). `Time` is a
// point on that clock; it has no `now()` on purpose, so that code in the core cannot read one.
#pragma once

#include <chrono>
#include <cstdint>

namespace elector {

/// A monotonic clock that cannot be read: only a tag for `Time`.
struct MonoClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<MonoClock, duration>;
  static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using Time = MonoClock::time_point;

constexpr Time kNever = Time::max();

constexpr Duration ms(std::int64_t v) {
  return std::chrono::milliseconds(v);
}
constexpr std::int64_t to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
constexpr std::int64_t to_ns(Time t) {
  return t.time_since_epoch().count();
}
constexpr Time from_ns(std::int64_t ns) {
  return Time(Duration(ns));
}

}  // namespace elector
