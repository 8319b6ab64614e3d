#include "node/clocks.hpp"

#include <time.h>

#include <chrono>

#include "elector/node.hpp"

namespace elector {

Time mono_now() {
  return Time(std::chrono::steady_clock::now().time_since_epoch());
}

namespace {

Time read_clock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return Time(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

Now Now::read() {
  // steady_clock is CLOCK_MONOTONIC (libstdc++), so the two readings agree with the timer's.
  const Time core = read_clock(CLOCK_BOOTTIME);
  return Now{core, mono_now()};
}

std::int64_t cpu_ms() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::uint64_t wall_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace elector
