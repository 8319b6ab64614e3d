// The local HTTP/JSON control API (docs/control-api.md): leader, status, members, elections,
// Prometheus metrics and the event stream.
//
// Lifecycle: construct, bind() (so that a busy port is reported before the node joins a cluster),
// start() (serves on its own thread), stop(). Workers are started on demand (task_queue.hpp);
// each event stream holds one worker, so their number is capped (503 beyond it) to keep workers
// for the other requests.
//
// Thread safety: publish() may be called from any thread, concurrently with requests. bind(),
// start() and stop() are for the owning thread; stop() is idempotent and returns even while
// event streams are open.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "daemon/control_backend.hpp"
#include "daemon/event_stream.hpp"

namespace electord {

struct ControlServerOptions {
  std::string host = "127.0.0.1";
  /// 0: any free port (see port() after bind()).
  int port = 7947;
  /// Most worker threads at once; idle ones end after `idle_thread`.
  std::size_t max_threads = 16;
  std::chrono::milliseconds idle_thread{10'000};
  /// Most event streams at once (keep it below max_threads).
  std::size_t max_event_streams = 8;
  /// Events waiting per stream before the oldest are dropped.
  std::size_t event_queue = 256;
  /// A comment line is sent on an idle event stream this often (also how soon a vanished client
  /// is noticed).
  std::chrono::milliseconds keepalive{15'000};
  /// Default and maximum wait of POST /v1/elect?sync=true.
  std::chrono::milliseconds elect_timeout{5'000};
  std::chrono::milliseconds max_elect_timeout{600'000};
};

class ControlServer {
 public:
  ControlServer(ControlBackend& backend, ControlServerOptions opts);
  /// stop()s.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds the listening socket. False with `error` set when it cannot.
  bool bind(std::string& error);
  /// The bound port (after bind()).
  [[nodiscard]] int port() const { return port_; }
  /// HOST:PORT actually bound.
  [[nodiscard]] std::string address() const;

  /// Serves requests on a thread of its own.
  void start();
  /// Ends event streams, stops accepting, waits for the requests in progress.
  void stop();

  /// Sends an event to every open event stream.
  void publish(std::string_view event_name, std::string_view json);
  [[nodiscard]] std::size_t event_streams() const { return events_.subscribers(); }

 private:
  class HttpServer;
  void routes();

  ControlBackend& backend_;
  ControlServerOptions opts_;
  std::unique_ptr<HttpServer> svr_;
  EventBroadcaster events_;
  int port_ = -1;
  std::thread thread_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

}  // namespace electord
