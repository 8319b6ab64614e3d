#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "daemon/event_json.hpp"
#include "daemon/metrics.hpp"
#include "daemon/options.hpp"
#include "daemon/task_queue.hpp"

namespace electord {

namespace {

constexpr const char* kJson = "application/json";

const char* result_name(elector::ElectResult r) {
  switch (r) {
    case elector::ElectResult::started:
      return "started";
    case elector::ElectResult::quorum_not_met:
      return "quorum_not_met";
    case elector::ElectResult::stopped:
      return "stopped";
  }
  return "?";
}

Json optional_name(const std::optional<std::string>& s) {
  return s ? Json(*s) : Json(nullptr);
}

void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", kJson);
}

void error_reply(httplib::Response& res, int status, const std::string& message,
                 const char* result = nullptr) {
  Json body;
  body["error"] = message;
  if (result != nullptr) body["result"] = result;
  reply(res, status, body);
}

/// Reply to an elect() that did not start an election (409/503), or nullptr-free success.
bool reply_not_started(httplib::Response& res, elector::ElectResult r) {
  if (r == elector::ElectResult::quorum_not_met) {
    error_reply(res, 409, "quorum not met", result_name(r));
    return true;
  }
  if (r == elector::ElectResult::stopped) {
    error_reply(res, 503, "node is stopping", result_name(r));
    return true;
  }
  return false;
}

std::string status_text(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 413:
      return "request too large";
    case 414:
      return "request URI too long";
    case 416:
      return "range not satisfiable";
    case 500:
      return "internal error";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::int64_t to_ms(elector::Duration d) {
  return elector::to_ms(d);
}

/// Only SO_REUSEADDR (restart while old connections linger) and close-on-exec. httplib's default
/// also sets SO_REUSEPORT, which would let two daemons share one control port silently.
void socket_options(int sock) {
  const int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const int flags = ::fcntl(sock, F_GETFD);
  if (flags >= 0) ::fcntl(sock, F_SETFD, flags | FD_CLOEXEC);
}

}  // namespace

/// httplib's server with access to its listening socket, to raise the backlog httplib sets (5):
/// a burst of connections (a tool asking every node, several clients at once) would overflow it,
/// and a dropped SYN costs the client a one-second retransmission.
class ControlServer::HttpServer final : public httplib::Server {
 public:
  void raise_backlog(int backlog) {
    const int fd = svr_sock_;
    if (fd >= 0) ::listen(fd, backlog);
  }
};

ControlServer::ControlServer(ControlBackend& backend, ControlServerOptions opts)
    : backend_(backend),
      opts_(std::move(opts)),
      svr_(std::make_unique<HttpServer>()),
      events_(EventBroadcaster::Options{opts_.event_queue, opts_.max_event_streams}) {
  const auto max_threads = opts_.max_threads;
  const auto idle = opts_.idle_thread;
  svr_->new_task_queue = [max_threads, idle] { return new ElasticTaskQueue(max_threads, idle); };
  svr_->set_socket_options(socket_options);
  // Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
  // the client's delayed ACK (tens of ms per request on a kept-alive connection).
  svr_->set_tcp_nodelay(true);
  // An idle keep-alive connection holds a worker, and stop() waits for it: keep that short.
  svr_->set_keep_alive_timeout(1);
  svr_->set_payload_max_length(64 * 1024);
  routes();
}

ControlServer::~ControlServer() {
  stop();
}

bool ControlServer::bind(std::string& error) {
  errno = 0;
  if (opts_.port == 0) {
    port_ = svr_->bind_to_any_port(opts_.host);
  } else {
    port_ = svr_->bind_to_port(opts_.host, opts_.port) ? opts_.port : -1;
  }
  if (port_ >= 0) svr_->raise_backlog(128);
  if (port_ < 0) {
    const int e = errno;
    error = "cannot listen on " + format_host_port(HostPort{opts_.host, opts_.port}) +
            (e != 0 ? std::string(": ") + std::strerror(e) : std::string(": bind failed")) +
            " (is another daemon using this control address? choose one with --control)";
    return false;
  }
  return true;
}

std::string ControlServer::address() const {
  return format_host_port(HostPort{opts_.host, port_});
}

void ControlServer::start() {
  {
    const std::lock_guard lock(done_mu_);
    done_ = false;
  }
  thread_ = std::thread([this] {
    if (!svr_->listen_after_bind()) spdlog::error("control API on {} stopped", address());
    const std::lock_guard lock(done_mu_);
    done_ = true;
    done_cv_.notify_all();
  });
}

void ControlServer::stop() {
  // Event streams wait for events; closing the broadcaster ends them, so that the workers they
  // hold can be joined.
  events_.close();
  if (!thread_.joinable()) return;
  std::unique_lock lock(done_mu_);
  // httplib ignores stop() until its accept loop runs: repeat it until the loop has ended.
  while (!done_) {
    lock.unlock();
    svr_->stop();
    lock.lock();
    done_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return done_; });
  }
  lock.unlock();
  thread_.join();
}

void ControlServer::publish(std::string_view event_name, std::string_view json) {
  events_.publish(event_name, json);
}

void ControlServer::routes() {
  using httplib::Request;
  using httplib::Response;
  auto& s = *svr_;

  s.Get("/v1/leader", [this](const Request&, Response& res) {
    const auto v = backend_.leader();
    Json j;
    j["leader"] = optional_name(v.leader);
    j["term"] = v.term;
    j["is_leader"] = v.is_leader;
    reply(res, 200, j);
  });

  s.Get("/v1/status", [this](const Request&, Response& res) {
    const auto st = backend_.status();
    Json j;
    j["name"] = st.name;
    j["listen"] = st.listen;
    j["control"] = address();
    j["leader"] = optional_name(st.leader);
    j["term"] = st.term;
    j["is_leader"] = st.is_leader;
    j["role"] = st.role;
    j["lease_left_ms"] = to_ms(st.lease_left);
    j["quorum_size"] = st.quorum_size;
    j["quorum_met"] = st.quorum_met;
    j["strategy"] = st.strategy;
    j["priority"] = st.priority;
    j["candidate"] = st.candidate;
    j["settings_hash"] = hex16(st.settings_hash);
    j["settings_mismatch"] = st.settings_mismatch;
    Json members = Json::object();
    for (const char* state : {"alive", "suspect", "dead", "left"}) members[state] = 0;
    for (const auto& [state, n] : st.members_by_status) members[state] = n;
    j["members"] = members;
    j["elections"] = st.elections;
    j["uptime_ms"] = to_ms(st.uptime);
    j["pid"] = ::getpid();
    reply(res, 200, j);
  });

  s.Get("/v1/members", [this](const Request&, Response& res) {
    auto ms = backend_.members();
    std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    Json list = Json::array();
    for (const auto& m : ms) {
      Json j;
      j["name"] = m.name;
      j["addr"] = m.addr;
      j["control"] = m.control;
      j["status"] = m.status;
      j["priority"] = m.priority;
      j["candidate"] = m.candidate;
      j["settings_match"] = m.settings_match;
      j["self"] = m.self;
      list.push_back(std::move(j));
    }
    Json body;
    body["members"] = std::move(list);
    reply(res, 200, body);
  });

  const httplib::Server::Handler elect = [this](const Request& req, Response& res) {
    bool sync = false;
    if (req.has_param("sync")) {
      const auto v = req.get_param_value("sync");
      if (v == "true" || v == "1" || v.empty()) {
        sync = true;
      } else if (v != "false" && v != "0") {
        return error_reply(res, 400, "bad value for sync: \"" + v + "\" (expected true or false)");
      }
    }
    auto timeout = opts_.elect_timeout;
    if (req.has_param("timeout_ms")) {
      const auto v = req.get_param_value("timeout_ms");
      long long n = -1;
      const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || ptr != v.data() + v.size() || n < 0 ||
          n > opts_.max_elect_timeout.count()) {
        return error_reply(res, 400,
                           "bad value for timeout_ms: \"" + v +
                               "\" (expected an integer from 0 to " +
                               std::to_string(opts_.max_elect_timeout.count()) + ")");
      }
      timeout = std::chrono::milliseconds(n);
    }
    if (!sync) {
      const auto r = backend_.elect();
      if (reply_not_started(res, r)) return;
      Json j;
      j["result"] = result_name(r);
      return reply(res, 200, j);
    }
    const auto r = backend_.elect_sync(timeout);
    if (reply_not_started(res, r.result)) return;
    if (r.timed_out || !r.leader) {
      return error_reply(res, 504, "no leader within " + std::to_string(timeout.count()) + " ms",
                         result_name(r.result));
    }
    Json j;
    j["result"] = result_name(r.result);
    j["leader"] = *r.leader;
    j["term"] = r.term;
    reply(res, 200, j);
  };
  s.Post("/v1/elect", elect);

  const httplib::Server::Handler clear = [this](const Request&, Response& res) {
    backend_.clear_leader();
    Json j;
    j["result"] = "cleared";
    reply(res, 200, j);
  };
  s.Post("/v1/clear-leader", clear);

  // httplib answers 400 to a POST that has neither Content-Length nor chunked encoding (curl -X
  // POST sends none). These endpoints take no body: answer them before httplib tries to read one.
  s.set_pre_routing_handler([elect, clear](const Request& req, Response& res) {
    if (req.method != "POST" || req.has_header("Content-Length") ||
        req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.path == "/v1/elect") {
      elect(req, res);
    } else if (req.path == "/v1/clear-leader") {
      clear(req, res);
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  s.Get("/metrics", [this](const Request&, Response& res) {
    res.set_content(render_metrics(backend_.status(), backend_.stats()), kMetricsContentType);
  });

  s.Get("/v1/events", [this](const Request&, Response& res) {
    auto sub = events_.subscribe();
    if (!sub) {
      return error_reply(
          res, 503,
          "too many event streams (at most " + std::to_string(opts_.max_event_streams) + ")");
    }
    res.set_header("Cache-Control", "no-cache");
    const auto keepalive = opts_.keepalive;
    // The provider owns the subscription: it ends (and unsubscribes) with the response.
    res.set_chunked_content_provider("text/event-stream",
                                     [sub, keepalive](std::size_t, httplib::DataSink& sink) {
                                       std::string out;
                                       switch (sub->next(keepalive, out)) {
                                         case EventBroadcaster::Subscription::Wait::closed:
                                           return false;
                                         case EventBroadcaster::Subscription::Wait::timeout:
                                           out = ": keepalive\n\n";
                                           break;
                                         case EventBroadcaster::Subscription::Wait::frames:
                                           break;
                                       }
                                       // A failed write means the client went away: ending here
                                       // releases the worker.
                                       return sink.write(out.data(), out.size());
                                     });
  });

  // Known paths with the wrong method: 405 rather than 404.
  auto wrong_method = [](const char* allow) {
    return [allow](const Request&, Response& res) {
      res.set_header("Allow", allow);
      error_reply(res, 405, std::string("method not allowed (use ") + allow + ")");
    };
  };
  for (const char* path : {"/v1/leader", "/v1/status", "/v1/members", "/metrics", "/v1/events"}) {
    s.Post(path, wrong_method("GET"));
  }
  for (const char* path : {"/v1/elect", "/v1/clear-leader"}) s.Get(path, wrong_method("POST"));

  s.set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;  // a handler already explained the error
    Json j;
    j["error"] = res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                                   : status_text(res.status);
    res.set_content(j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", kJson);
  });
  s.set_exception_handler([](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("control API: {} {}: {}", req.method, req.path, what);
    error_reply(res, 500, what);
  });
}

}  // namespace electord
