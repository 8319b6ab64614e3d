// Fan-out of events to the control API's server-sent-event streams (GET /v1/events).
//
// publish() never blocks on a subscriber: each one has its own bounded queue, and a subscriber
// that falls behind loses its oldest frames and is told how many with an `event: dropped` frame.
// A subscription ends when its owner drops it (the HTTP connection ended) or when close() is
// called (the server stops); waits wake up at once then.
//
// Thread safety: every method may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace elector::daemon {

/// One SSE frame: "event: NAME\ndata: JSON\n\n".
std::string sse_frame(std::string_view event_name, std::string_view data);

class EventBroadcaster {
  struct State;

 public:
  struct Options {
    std::size_t queue_capacity = 256;
    std::size_t max_subscribers = 8;
  };

  class Subscription {
   public:
    enum class Wait { frames, timeout, closed };
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    /// Waits up to `timeout` for frames and appends them all to `out`.
    Wait next(std::chrono::milliseconds timeout, std::string& out);

   private:
    friend class EventBroadcaster;
    explicit Subscription(std::shared_ptr<State> state) : state_(std::move(state)) {}

    std::shared_ptr<State> state_;
    std::deque<std::string> frames_;  // guarded by state_->mu
    std::size_t lost_ = 0;            // guarded by state_->mu
  };

  EventBroadcaster();
  explicit EventBroadcaster(Options opts);
  /// close()s.
  ~EventBroadcaster();
  EventBroadcaster(const EventBroadcaster&) = delete;
  EventBroadcaster& operator=(const EventBroadcaster&) = delete;

  /// Null when max_subscribers are already subscribed or the broadcaster is closed. Only events
  /// published after this call reach the subscription.
  std::shared_ptr<Subscription> subscribe();
  /// Queues sse_frame(event_name, json) for every subscriber.
  void publish(std::string_view event_name, std::string_view json);
  /// Ends every subscription and refuses new ones.
  void close();
  [[nodiscard]] std::size_t subscribers() const;

 private:
  struct State {
    Options opts;
    mutable std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    std::list<Subscription*> subs;
  };
  std::shared_ptr<State> state_;
};

}  // namespace elector::daemon
