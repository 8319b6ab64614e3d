// A thread that runs a node's callbacks one at a time, in the order they were posted.
//
// Callbacks must not run on the transport's loop thread (a slow one would delay heartbeats) nor
// under the node's lock (one that calls back into the node would deadlock). So they are queued
// here and run on this thread instead.
//
// Thread safety: post() from any thread; stop() from the owner, never from a callback.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace elector {

class Dispatcher {
 public:
  Dispatcher() = default;
  ~Dispatcher() { stop(); }
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void start();
  void post(std::function<void()> fn);
  /// Runs what is queued, then joins. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace elector
