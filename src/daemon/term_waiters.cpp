#include "daemon/term_waiters.hpp"

#include <algorithm>
#include <utility>

namespace elector::daemon {

TermWaiters::TermWaiters(std::size_t max_waiters) : max_(max_waiters) {}

TermWaiters::~TermWaiters() {
  stop();
}

bool TermWaiters::add(std::uint64_t after_term, Clock::time_point deadline, Answer answer) {
  {
    const std::lock_guard lock(mu_);
    if (stopped_ || waiters_.size() >= max_) return false;
    waiters_.emplace(next_id_++, Waiter{after_term, deadline, std::move(answer)});
    if (!timer_.joinable()) timer_ = std::thread([this] { run(); });
  }
  cv_.notify_all();  // the timer thread may have to wake sooner
  return true;
}

template <class Pick>
std::vector<TermWaiters::Answer> TermWaiters::take(Pick pick) {
  std::vector<Answer> out;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (pick(it->second)) {
      out.push_back(std::move(it->second.answer));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void TermWaiters::term_is(std::uint64_t term) {
  std::vector<Answer> due;
  {
    const std::lock_guard lock(mu_);
    due = take([term](const Waiter& w) { return w.after_term != term; });
  }
  for (auto& a : due) a(Outcome::changed);
}

std::size_t TermWaiters::waiting() const {
  const std::lock_guard lock(mu_);
  return waiters_.size();
}

void TermWaiters::stop() {
  std::vector<Answer> all;
  {
    const std::lock_guard lock(mu_);
    stopped_ = true;
    all = take([](const Waiter&) { return true; });
  }
  cv_.notify_all();
  for (auto& a : all) a(Outcome::stopped);
  if (timer_.joinable() && timer_.get_id() != std::this_thread::get_id()) timer_.join();
}

void TermWaiters::run() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    if (waiters_.empty()) {
      cv_.wait(lock, [&] { return stopped_ || !waiters_.empty(); });
      continue;
    }
    const auto soonest =
        std::min_element(waiters_.begin(), waiters_.end(), [](const auto& a, const auto& b) {
          return a.second.deadline < b.second.deadline;
        })->second.deadline;
    // Woken early by add() or stop(); the loop looks again.
    cv_.wait_until(lock, soonest);
    const auto now = Clock::now();
    auto due = take([now](const Waiter& w) { return w.deadline <= now; });
    if (due.empty()) continue;
    lock.unlock();
    for (auto& a : due) a(Outcome::timed_out);
    lock.lock();
  }
}

}  // namespace elector::daemon
