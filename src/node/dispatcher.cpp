#include "node/dispatcher.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace elector {

void Dispatcher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "elector-events");  // shown by top -H and /proc
    run();
  });
}

void Dispatcher::post(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::run() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      fn();
    } catch (const std::exception& e) {
      // A throwing callback must not take the node down with it.
      spdlog::error("a callback threw: {}", e.what());
    } catch (...) {
      spdlog::error("a callback threw a non-standard exception");
    }
  }
}

}  // namespace elector
