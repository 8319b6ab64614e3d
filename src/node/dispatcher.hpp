// A thread that runs a node's callbacks one at a time, in the order they were posted.
//
// Callbacks must not run on the transport's loop thread (a slow one would delay heartbeats) nor
// under the node's lock (one that calls back into the node would deadlock). So they are queued
// here and run on this thread instead.
//
// Thread safety: post() from any thread; start() and stop() from the owner, never from a callback.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "elector/log.hpp"

namespace elector {

class Dispatcher {
 public:
  Dispatcher() = default;
  ~Dispatcher() { stop(); }
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// `log` hears of a callback that threw (the callback's exception stops there).
  void start(LogSink log);
  void post(std::function<void()> fn);
  /// Runs what is queued, then joins. Idempotent.
  void stop();

 private:
  void run();
  void report(const std::string& text) const noexcept;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  LogSink log_;
  std::thread thread_;
};

}  // namespace elector
