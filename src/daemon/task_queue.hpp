// The control server's worker threads: started on demand, up to a cap, and ended after a while
// without work.
//
// httplib serves each connection on one worker from start to end, and an event stream holds its
// worker for as long as the client listens; a fixed pool would then either be large (hundreds of
// idle threads across the daemons of one machine) or be exhausted by a few `watch` clients. This
// queue keeps no thread while idle and grows only while connections need one.
//
// Thread safety: enqueue() and shutdown() may be called from any thread (httplib calls them from
// its accept thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace electord {

class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  /// At most `max_threads` run at once (more tasks wait); a thread idle for `idle` ends.
  ElasticTaskQueue(std::size_t max_threads, std::chrono::milliseconds idle);
  ~ElasticTaskQueue() override;
  ElasticTaskQueue(const ElasticTaskQueue&) = delete;
  ElasticTaskQueue& operator=(const ElasticTaskQueue&) = delete;

  void enqueue(std::function<void()> fn) override;
  /// Runs the tasks already queued, then joins every thread.
  void shutdown() override;

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

}  // namespace electord
