#include "ctl/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace elector::ctl {

void parallel_for(std::size_t n, std::size_t max_threads,
                  const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  const std::size_t threads = std::clamp<std::size_t>(max_threads, 1, n);
  std::atomic<std::size_t> next{0};
  auto worker = [&]() noexcept {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();  // the calling thread takes its share too
}

}  // namespace elector::ctl
