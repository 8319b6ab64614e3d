// The control server's worker threads for requests that block (POST /v1/elect?sync=true waits
// for an election): started on demand, up to a cap, and ended after a while without work.
//
// Such requests are rare, and a daemon is one of hundreds on a machine: a fixed pool would keep
// idle threads (and their stacks) in every process. This queue keeps no thread while idle and
// grows only while requests need one.
//
// Thread safety: enqueue() and shutdown() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace elector::daemon {

class ElasticTaskQueue final {
 public:
  /// At most `max_threads` run at once (more tasks wait); a thread idle for `idle` ends.
  ElasticTaskQueue(std::size_t max_threads, std::chrono::milliseconds idle);
  /// shutdown()s.
  ~ElasticTaskQueue();
  ElasticTaskQueue(const ElasticTaskQueue&) = delete;
  ElasticTaskQueue& operator=(const ElasticTaskQueue&) = delete;

  /// Queues `fn`. False (and `fn` dropped) after shutdown().
  bool enqueue(std::function<void()> fn);
  /// Runs the tasks already queued, then joins every thread.
  void shutdown();

  [[nodiscard]] std::size_t threads() const;

 private:
  void work();
  void reap_locked();

  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;       // started and not joined yet
  std::vector<std::thread::id> finished_;  // ended, to be joined
  std::size_t running_ = 0;                // threads not finished
  std::size_t idle_count_ = 0;             // threads waiting for a task
  bool shutdown_ = false;
};

}  // namespace elector::daemon
