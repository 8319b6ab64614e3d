// Asks one node GET /v1/leader on a thread of its own, one request at a time, over one
// keep-alive connection (opened again after a failure), for `electorctl run`.
//
// The thread exists so that a frozen or slow node never delays the caller's deadlines: the caller
// waits on `notify_fd` (an eventfd the poller writes to after each result) alongside its timers.
//
// Thread safety: request(), take() and the destructor are called from one thread (the caller's);
// the poller's own thread only sends and reports.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ctl/api.hpp"
#include "ctl/endpoint.hpp"

namespace elector::ctl {

class LeaderPoller {
 public:
  /// The caller's clock, read just before each request is sent.
  using Clock = std::function<std::chrono::milliseconds()>;

  struct Result {
    std::chrono::milliseconds sent{0};  // the clock just before the request went out
    std::optional<LeaderInfo> info;     // nullopt: failed, `error` says why
    std::string error;
  };

  /// Each request (connect, send, read) is bounded by `timeout`.
  LeaderPoller(Endpoint endpoint, std::chrono::milliseconds timeout, Clock clock, int notify_fd);
  /// Stops the thread, cutting a request in flight short.
  ~LeaderPoller();
  LeaderPoller(const LeaderPoller&) = delete;
  LeaderPoller& operator=(const LeaderPoller&) = delete;

  /// Asks once more; a request made while one is in flight is merged with it.
  void request();
  /// The oldest result not taken yet.
  std::optional<Result> take();

 private:
  struct Client;
  void loop();
  Result ask();

  Endpoint endpoint_;
  Clock clock_;
  int notify_fd_;
  std::unique_ptr<Client> client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool quit_ = false;
  std::deque<Result> results_;
  std::thread thread_;
};

}  // namespace elector::ctl
