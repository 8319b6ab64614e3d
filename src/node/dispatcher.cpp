#include "node/dispatcher.hpp"

#include <pthread.h>

#include <exception>
#include <utility>

namespace elector {

void Dispatcher::start(LogSink log) {
  if (thread_.joinable()) return;
  log_ = std::move(log);
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

void Dispatcher::report(const std::string& text) const noexcept {
  try {
    if (log_) log_(LogLevel::error, text);
  } catch (...) {  // a sink that throws, against its contract, still loses only its line
  }
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
      report(std::string("a callback threw: ") + e.what());
    } catch (...) {
      report("a callback threw a non-standard exception");
    }
  }
}

}  // namespace elector
