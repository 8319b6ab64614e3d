// Fan-out of events to the control API's server-sent-event streams (GET /v1/events).
//
// Every published event gets an id, "EPOCH-SEQ": SEQ counts the events this broadcaster
// published (1, 2, ...), EPOCH is drawn at random when the broadcaster is made, so that the ids
// of another process (a restarted daemon) are recognised as foreign. The last `history` events
// are kept, so that a client that reconnects with the last id it saw (Last-Event-ID) gets what it
// missed: subscribe() replays the events after that id if they are all still kept (`resumed`),
// else tells the caller to start afresh (`reset`).
//
// publish() never blocks on a subscriber: each one has its own bounded queue, and a subscriber
// that falls behind loses its oldest frames and is told how many with an `event: dropped` frame
// (whose id is that of the last event lost). A subscription ends when its owner drops it (the
// HTTP connection ended) or when close() is called (the server stops); waits wake up at once then.
//
// Thread safety: every method may be called from any thread, concurrently, except
// Subscription::put_first (see there).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace elector::daemon {

/// One SSE frame: "id: ID\nevent: NAME\ndata: JSON\n\n" (no id line when `id` is empty).
std::string sse_frame(std::string_view event_name, std::string_view data, std::string_view id = {});

class EventBroadcaster {
  struct State;

 public:
  struct Options {
    std::size_t queue_capacity = 256;
    std::size_t max_subscribers = 8;
    /// Events kept for clients that resume (Last-Event-ID).
    std::size_t history = 256;
  };

  /// How a subscription starts.
  enum class Start {
    /// No Last-Event-ID: with the events published from now on.
    fresh,
    /// The events after the given id were queued first.
    resumed,
    /// The given id is unknown (another process's, malformed, or older than the history): the
    /// events from now on, and the client must be told its view may have gaps.
    reset,
  };

  class Subscription {
   public:
    enum class Wait { frames, timeout, closed };
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    [[nodiscard]] Start start() const { return start_; }
    /// The id of the last event published before the subscription (SEQ 0 when none was): the id
    /// of frames that describe the state at that point.
    [[nodiscard]] const std::string& start_id() const { return start_id_; }

    /// Queues `frames` ahead of everything queued so far. Only before the first next(), on the
    /// thread that subscribed.
    void put_first(const std::string& frames);

    /// Waits up to `timeout` for frames and appends them all to `out`.
    Wait next(std::chrono::milliseconds timeout, std::string& out);

   private:
    friend class EventBroadcaster;
    explicit Subscription(std::shared_ptr<State> state) : state_(std::move(state)) {}

    std::shared_ptr<State> state_;
    Start start_ = Start::fresh;
    std::string start_id_;
    std::string first_;                                         // guarded by state_->mu
    std::deque<std::pair<std::uint64_t, std::string>> frames_;  // guarded by state_->mu
    std::size_t lost_ = 0;                                      // guarded by state_->mu
    std::uint64_t last_lost_ = 0;                               // guarded by state_->mu
  };

  EventBroadcaster();
  explicit EventBroadcaster(Options opts);
  /// close()s.
  ~EventBroadcaster();
  EventBroadcaster(const EventBroadcaster&) = delete;
  EventBroadcaster& operator=(const EventBroadcaster&) = delete;

  /// Null when max_subscribers are already subscribed or the broadcaster is closed. Only events
  /// published after this call reach the subscription, plus, when `last_event_id` is given and
  /// known, the kept events after it.
  std::shared_ptr<Subscription> subscribe(const std::string* last_event_id = nullptr);
  /// Queues sse_frame(event_name, json, next id) for every subscriber and keeps it in the history.
  void publish(std::string_view event_name, std::string_view json);
  /// Ends every subscription and refuses new ones.
  void close();
  [[nodiscard]] std::size_t subscribers() const;
  /// This broadcaster's EPOCH (8 hex digits).
  [[nodiscard]] const std::string& epoch() const { return state_->epoch; }

 private:
  struct State {
    Options opts;
    std::string epoch;
    mutable std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    std::uint64_t seq = 0;
    std::deque<std::pair<std::uint64_t, std::string>> history;
    std::list<Subscription*> subs;

    [[nodiscard]] std::string id(std::uint64_t n) const { return epoch + "-" + std::to_string(n); }
  };
  std::shared_ptr<State> state_;
};

}  // namespace elector::daemon
