#include "daemon/event_stream.hpp"

#include <algorithm>

namespace elector::daemon {

std::string sse_frame(std::string_view event_name, std::string_view data) {
  std::string f;
  f.reserve(event_name.size() + data.size() + 16);
  f.append("event: ").append(event_name).append("\n");
  // A newline inside the data would end the field: each line gets its own "data:" field.
  std::size_t start = 0;
  while (true) {
    const auto nl = data.find('\n', start);
    f.append("data: ").append(data.substr(start, nl - start)).append("\n");
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  f.append("\n");
  return f;
}

EventBroadcaster::EventBroadcaster() : EventBroadcaster(Options{}) {}

EventBroadcaster::EventBroadcaster(Options opts) : state_(std::make_shared<State>()) {
  state_->opts = opts;
}

EventBroadcaster::~EventBroadcaster() {
  close();
}

std::shared_ptr<EventBroadcaster::Subscription> EventBroadcaster::subscribe() {
  const std::lock_guard lock(state_->mu);
  if (state_->closed || state_->subs.size() >= state_->opts.max_subscribers) return nullptr;
  std::shared_ptr<Subscription> s(new Subscription(state_));
  state_->subs.push_back(s.get());
  return s;
}

void EventBroadcaster::publish(std::string_view event_name, std::string_view json) {
  const std::string frame = sse_frame(event_name, json);
  {
    const std::lock_guard lock(state_->mu);
    if (state_->closed || state_->subs.empty()) return;
    for (Subscription* s : state_->subs) {
      if (s->frames_.size() >= state_->opts.queue_capacity) {
        s->frames_.pop_front();
        ++s->lost_;
      }
      s->frames_.push_back(frame);
    }
  }
  state_->cv.notify_all();
}

void EventBroadcaster::close() {
  {
    const std::lock_guard lock(state_->mu);
    state_->closed = true;
  }
  state_->cv.notify_all();
}

std::size_t EventBroadcaster::subscribers() const {
  const std::lock_guard lock(state_->mu);
  return state_->subs.size();
}

EventBroadcaster::Subscription::~Subscription() {
  const std::lock_guard lock(state_->mu);
  state_->subs.remove(this);
}

EventBroadcaster::Subscription::Wait EventBroadcaster::Subscription::next(
    std::chrono::milliseconds timeout, std::string& out) {
  std::unique_lock lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return state_->closed || !frames_.empty(); });
  if (state_->closed) return Wait::closed;
  if (frames_.empty()) return Wait::timeout;
  if (lost_ > 0) {
    out += sse_frame("dropped", "{\"event\":\"dropped\",\"count\":" + std::to_string(lost_) + "}");
    lost_ = 0;
  }
  for (auto& f : frames_) out += f;
  frames_.clear();
  return Wait::frames;
}

}  // namespace elector::daemon
