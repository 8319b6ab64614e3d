// Requests waiting for the leader's term to change (GET /v1/leader?wait=...&after_term=N), held
// without a thread each: the event path (term_is(), called when the node publishes an event)
// answers the ones whose term has changed, and one timer thread, started on the first wait and
// idle while none is due, answers those whose deadline passes.
//
// Thread safety: every method may be called from any thread. Answers are called without the
// lock held: from term_is()'s caller, from the timer thread, or from stop()'s caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace elector::daemon {

class TermWaiters {
 public:
  enum class Outcome { changed, timed_out, stopped };
  /// Called once per waiter.
  using Answer = std::function<void(Outcome)>;
  using Clock = std::chrono::steady_clock;

  /// At most `max_waiters` at once.
  explicit TermWaiters(std::size_t max_waiters);
  /// stop()s.
  ~TermWaiters();
  TermWaiters(const TermWaiters&) = delete;
  TermWaiters& operator=(const TermWaiters&) = delete;

  /// Waits until term_is() gives a term other than `after_term`, or `deadline`. False (and
  /// `answer` is dropped) when `max_waiters` already wait or after stop(). The caller should then
  /// call term_is() with the term it reads, so that a change just before add() is not missed.
  bool add(std::uint64_t after_term, Clock::time_point deadline, Answer answer);
  /// The term is now `term`: answers `changed` to every waiter waiting for another.
  void term_is(std::uint64_t term);
  [[nodiscard]] std::size_t waiting() const;
  /// Answers every waiter `stopped` and joins the timer thread; add() fails from now on.
  /// Idempotent.
  void stop();

 private:
  struct Waiter {
    std::uint64_t after_term = 0;
    Clock::time_point deadline;
    Answer answer;
  };
  void run();
  /// Removes the waiters `pick` chooses and returns their answers (under the lock).
  template <class Pick>
  std::vector<Answer> take(Pick pick);

  const std::size_t max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Waiter> waiters_;  // by arrival
  std::thread timer_;
};

}  // namespace elector::daemon
