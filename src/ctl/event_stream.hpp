// Following a node's event stream (GET /v1/events).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "ctl/endpoint.hpp"

namespace elector::ctl {

/// One subscription to a node's events. run() blocks on the calling thread; stop() may be called
/// from any other thread (or from the callback) to end it.
class EventStream {
 public:
  enum class End {
    stopped,  // stop() was called or the callback asked to stop
    closed,   // the node ended the stream (it stopped, or closed the connection)
    failed,   // no connection, an HTTP error, or silence longer than the keepalive allows
  };

  explicit EventStream(Endpoint endpoint);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  /// Calls on_event(data) with the JSON data of every event, in order, until the stream ends or
  /// on_event returns false. `error` (if not null) receives the reason for closed and failed.
  End run(const std::function<bool(const std::string&)>& on_event, std::string* error = nullptr);

  /// Ends run() soon. If run() is still connecting, it may not notice at once: callers that must
  /// not wait call stop() again until run() has returned.
  void stop();

 private:
  struct Impl;
  Endpoint endpoint_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
};

}  // namespace elector::ctl
