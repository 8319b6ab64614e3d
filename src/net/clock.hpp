// The transport's two clocks: the monotonic one for its own deadlines (connection idleness, the
// authentication time limit, the timer) and the wall clock that stamps and checks packets
// (wire::Authenticator's staleness window compares clocks of different processes).
//
// Thread safety: any thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "elector/time.hpp"

namespace elector::net {

/// Now on the monotonic clock, as the core's Time.
inline Time mono() {
  return Time(std::chrono::steady_clock::now().time_since_epoch());
}

/// Now on the wall clock, in ms since the Unix epoch.
inline std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

/// `t` (monotonic) as a steady_clock instant, for Asio's timers.
inline std::chrono::steady_clock::time_point to_steady(Time t) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}

}  // namespace elector::net
