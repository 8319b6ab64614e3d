// A bounded fan-out for asking many nodes at once.
#pragma once

#include <cstddef>
#include <functional>

namespace elector::ctl {

/// Calls fn(i) for every i in [0, n) on at most `max_threads` threads (at least one) and returns
/// when every call has returned. Calls for different i run concurrently, so fn must be safe to
/// call from several threads at once; each i is handed to exactly one call. An exception thrown
/// by fn terminates the program: callers record failures in their results instead.
void parallel_for(std::size_t n, std::size_t max_threads,
                  const std::function<void(std::size_t)>& fn);

}  // namespace elector::ctl
