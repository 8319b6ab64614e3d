#include "daemon/task_queue.hpp"

#include <algorithm>

namespace elector::daemon {

ElasticTaskQueue::ElasticTaskQueue(std::size_t max_threads, std::chrono::milliseconds idle)
    : max_threads_(std::max<std::size_t>(1, max_threads)), idle_(idle) {}

ElasticTaskQueue::~ElasticTaskQueue() {
  shutdown();
}

bool ElasticTaskQueue::enqueue(std::function<void()> fn) {
  const std::lock_guard lock(mu_);
  // No thread would run it: the caller answers the request itself.
  if (shutdown_) return false;
  reap_locked();
  tasks_.push_back(std::move(fn));
  if (idle_count_ < tasks_.size() && running_ < max_threads_) {
    ++running_;
    threads_.emplace_back([this] { work(); });
  }
  cv_.notify_one();
  return true;
}

void ElasticTaskQueue::shutdown() {
  std::vector<std::thread> threads;
  {
    const std::lock_guard lock(mu_);
    shutdown_ = true;
    threads.swap(threads_);
    finished_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

std::size_t ElasticTaskQueue::threads() const {
  const std::lock_guard lock(mu_);
  return running_;
}

void ElasticTaskQueue::reap_locked() {
  // A finished thread has left work() and only has to unwind: joining it is quick.
  for (const auto id : finished_) {
    const auto it = std::find_if(threads_.begin(), threads_.end(),
                                 [&](const std::thread& t) { return t.get_id() == id; });
    if (it != threads_.end()) {
      it->join();
      threads_.erase(it);
    }
  }
  finished_.clear();
}

void ElasticTaskQueue::work() {
  std::unique_lock lock(mu_);
  while (true) {
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (shutdown_) break;
    ++idle_count_;
    const bool woke = cv_.wait_for(lock, idle_, [&] { return shutdown_ || !tasks_.empty(); });
    --idle_count_;
    if (!woke) break;  // idle for too long
  }
  --running_;
  if (!shutdown_) finished_.push_back(std::this_thread::get_id());
}

}  // namespace elector::daemon
