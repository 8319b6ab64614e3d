#include "daemon/event_stream.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <random>

namespace elector::daemon {

namespace {

std::string random_epoch() {
  std::random_device rd;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return buf;
}

/// SEQ of "EPOCH-SEQ" when EPOCH is `epoch`.
std::optional<std::uint64_t> own_seq(const std::string& id, const std::string& epoch) {
  if (id.size() <= epoch.size() + 1 || id.compare(0, epoch.size(), epoch) != 0 ||
      id[epoch.size()] != '-') {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  const char* first = id.data() + epoch.size() + 1;
  const char* last = id.data() + id.size();
  const auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return n;
}

}  // namespace

std::string sse_frame(std::string_view event_name, std::string_view data, std::string_view id) {
  std::string f;
  f.reserve(event_name.size() + data.size() + id.size() + 24);
  if (!id.empty()) f.append("id: ").append(id).append("\n");
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
  state_->epoch = random_epoch();
}

EventBroadcaster::~EventBroadcaster() {
  close();
}

std::shared_ptr<EventBroadcaster::Subscription> EventBroadcaster::subscribe(
    const std::string* last_event_id) {
  const std::lock_guard lock(state_->mu);
  auto& st = *state_;
  if (st.closed || st.subs.size() >= st.opts.max_subscribers) return nullptr;
  std::shared_ptr<Subscription> s(new Subscription(state_));
  s->start_id_ = st.id(st.seq);
  if (last_event_id != nullptr) {
    // Resumable when every event after the id is still kept: the id is this process's, not
    // ahead of the last event, and the oldest kept event is at most the one right after it.
    const auto seq = own_seq(*last_event_id, st.epoch);
    const std::uint64_t oldest = st.history.empty() ? st.seq + 1 : st.history.front().first;
    if (seq && *seq <= st.seq && *seq + 1 >= oldest) {
      s->start_ = Start::resumed;
      for (const auto& [n, frame] : st.history) {
        if (n > *seq) s->frames_.emplace_back(n, frame);
      }
    } else {
      s->start_ = Start::reset;
    }
  }
  st.subs.push_back(s.get());
  return s;
}

void EventBroadcaster::publish(std::string_view event_name, std::string_view json) {
  {
    const std::lock_guard lock(state_->mu);
    auto& st = *state_;
    if (st.closed) return;
    const std::uint64_t n = ++st.seq;
    std::string frame = sse_frame(event_name, json, st.id(n));
    for (Subscription* s : st.subs) {
      if (s->frames_.size() >= st.opts.queue_capacity) {
        s->last_lost_ = s->frames_.front().first;
        s->frames_.pop_front();
        ++s->lost_;
      }
      s->frames_.emplace_back(n, frame);
    }
    if (st.opts.history > 0) {
      if (st.history.size() >= st.opts.history) st.history.pop_front();
      st.history.emplace_back(n, std::move(frame));
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

void EventBroadcaster::Subscription::put_first(const std::string& frames) {
  const std::lock_guard lock(state_->mu);
  first_.insert(0, frames);
}

EventBroadcaster::Subscription::Wait EventBroadcaster::Subscription::next(
    std::chrono::milliseconds timeout, std::string& out) {
  std::unique_lock lock(state_->mu);
  auto ready = [&] { return state_->closed || !frames_.empty() || !first_.empty(); };
  state_->cv.wait_for(lock, timeout, ready);
  if (state_->closed) return Wait::closed;
  if (!ready()) return Wait::timeout;
  out += first_;
  first_.clear();
  if (lost_ > 0) {
    out += sse_frame("dropped", "{\"event\":\"dropped\",\"count\":" + std::to_string(lost_) + "}",
                     state_->id(last_lost_));
    lost_ = 0;
  }
  for (auto& f : frames_) out += f.second;
  frames_.clear();
  return Wait::frames;
}

}  // namespace elector::daemon
