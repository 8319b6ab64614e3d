// The local HTTP/JSON control API (docs/control-api.md): leader, status, members, elections,
// Prometheus metrics, the event stream and the probes (probes.hpp), served by http_server.hpp on
// TCP or a unix socket.
//
// Lifecycle: construct, bind() (so that a busy address is reported before the node joins a
// cluster), start() (serves on its own I/O thread), stop(). Requests are answered on the I/O
// thread, except POST /v1/elect?sync=true, which waits for an election on a worker thread
// (task_queue.hpp: started on demand, none while idle). Event streams hold no thread: publish()
// wakes the I/O thread, which writes the new frames. Blocking queries (GET /v1/leader?wait=)
// hold no thread either: publish() answers those whose term changed, and one timer thread
// (term_waiters.hpp) those whose wait is over.
//
// Thread safety: publish() and event_streams() may be called from any thread, concurrently with
// requests. bind(), start() and stop() are for the owning thread; stop() is idempotent, returns
// even while event streams are open, and waits for the elections that requests wait for (they
// end when the node stops).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/control_backend.hpp"
#include "daemon/event_stream.hpp"
#include "daemon/http_server.hpp"
#include "daemon/metrics_record.hpp"
#include "daemon/task_queue.hpp"
#include "daemon/term_waiters.hpp"

namespace elector::daemon {

struct ControlServerOptions {
  /// An IP address or host name, or "unix:PATH" for a unix-domain socket (port then unused).
  std::string host = "127.0.0.1";
  /// 0: any free port (see port() after bind()).
  int port = 7947;
  /// Most requests waiting for an election at once (more wait for a worker); an idle worker
  /// ends after `idle_thread`.
  std::size_t max_threads = 16;
  std::chrono::milliseconds idle_thread{10'000};
  /// Most connections at once; one more is answered 503 and closed.
  std::size_t max_connections = 64;
  /// A connection without a request for this long is closed.
  std::chrono::milliseconds idle_connection{30'000};
  /// Most event streams at once (beyond: 503).
  std::size_t max_event_streams = 8;
  /// Events waiting per stream before the oldest are dropped.
  std::size_t event_queue = 256;
  /// Events kept for streams that resume (Last-Event-ID).
  std::size_t event_history = 256;
  /// A comment line is sent on an idle event stream this often (also how soon a vanished client
  /// is noticed, and how long a client may leave a write untaken). electord: the heartbeat
  /// period (options.hpp, events_keepalive).
  std::chrono::milliseconds keepalive{15'000};
  /// Default and maximum wait of POST /v1/elect?sync=true.
  std::chrono::milliseconds elect_timeout{5'000};
  std::chrono::milliseconds max_elect_timeout{600'000};
  /// Blocking queries (GET /v1/leader?wait=...) waiting at once (beyond: 503), and the longest
  /// wait one may ask for.
  std::size_t max_leader_waiters = 64;
  std::chrono::milliseconds max_leader_wait{300'000};
  /// What a client on another host must send to be answered (control_access.hpp); empty: such
  /// clients are refused.
  std::string token;
  /// What the daemon counts itself for GET /metrics (hook runs, durations); must outlive the
  /// server. Null: those metrics show no observations.
  const MetricsRecord* metrics_record = nullptr;
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
  /// The bound TCP port (after bind()); -1 for a unix socket.
  [[nodiscard]] int port() const { return port_; }
  /// HOST:PORT actually bound, or unix:PATH.
  [[nodiscard]] std::string address() const;

  /// Serves requests on a thread of its own.
  void start();
  /// Ends event streams, stops accepting, closes the connections, joins every thread.
  void stop();

  /// Sends an event to every open event stream.
  void publish(std::string_view event_name, std::string_view json);
  [[nodiscard]] std::size_t event_streams() const { return events_.subscribers(); }
  /// Connections open now.
  [[nodiscard]] std::size_t connections() const { return http_.connections(); }
  /// Blocking queries waiting now.
  [[nodiscard]] std::size_t leader_waiters() const { return waiters_.waiting(); }

 private:
  void handle(const std::shared_ptr<HttpExchange>& ex);
  HttpResponse readyz(const HttpRequest& req);
  HttpResponse leader(std::optional<bool> timed_out = std::nullopt);
  void leader_query(const std::shared_ptr<HttpExchange>& ex);
  HttpResponse status();
  HttpResponse members();
  void elect(const std::shared_ptr<HttpExchange>& ex);
  void events(const std::shared_ptr<HttpExchange>& ex);
  [[nodiscard]] bool is_unix() const;

  ControlBackend& backend_;
  ControlServerOptions opts_;
  EventBroadcaster events_;
  ElasticTaskQueue workers_;
  TermWaiters waiters_;
  // Declared last: destroyed (stopped) first, while what its handlers use still exists.
  HttpServer http_;
  int port_ = -1;
};

}  // namespace elector::daemon
