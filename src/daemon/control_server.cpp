#include "daemon/control_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/control_access.hpp"
#include "daemon/event_json.hpp"
#include "daemon/metrics.hpp"
#include "daemon/options.hpp"
#include "daemon/probes.hpp"
#include "daemon/stream_json.hpp"
#include "daemon/ui_page.hpp"

namespace elector::daemon {

namespace {

constexpr const char* kJson = "application/json";
constexpr std::string_view kUnixPrefix = "unix:";

Json optional_name(const std::optional<std::string>& s) {
  return s ? Json(*s) : Json(nullptr);
}

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpResponse reply(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = kJson;
  r.body = dump(body) + "\n";
  return r;
}

HttpResponse error_reply(int status, const std::string& message, const char* result = nullptr) {
  Json body;
  body["error"] = message;
  if (result != nullptr) body["result"] = result;
  return reply(status, body);
}

/// The reply to an elect() that did not start an election (409/503), if it did not.
std::optional<HttpResponse> reply_not_started(elector::ElectResult r) {
  if (r == elector::ElectResult::quorum_not_met) {
    return error_reply(409, "quorum not met", elector::to_string(r));
  }
  if (r == elector::ElectResult::stopped)
    return error_reply(503, "node is stopping", elector::to_string(r));
  return std::nullopt;
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::int64_t to_ms(elector::Duration d) {
  return elector::to_ms(d);
}

HttpResponse probe(const ProbeAnswer& a) {
  auto r = reply(a.status, a.body);
  // A probe's answer is about this instant.
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

/// "500ms", "5s", "2m": a whole number and a unit; nullopt when malformed or above `max`.
std::optional<std::chrono::milliseconds> parse_wait(const std::string& s,
                                                    std::chrono::milliseconds max) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || ptr == s.data() || n < 0) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
  std::int64_t per = 0;
  if (unit == "ms") per = 1;
  if (unit == "s") per = 1000;
  if (unit == "m") per = 60'000;
  if (per == 0 || n > max.count() / per) return std::nullopt;
  return std::chrono::milliseconds(n * per);
}

HttpResponse wrong_method(const char* allow) {
  auto r = error_reply(405, std::string("method not allowed (use ") + allow + ")");
  r.headers.emplace_back("Allow", allow);
  return r;
}

/// An event stream's body: the frames its subscription collected since the last pull.
class EventSource final : public StreamSource {
 public:
  explicit EventSource(std::shared_ptr<EventBroadcaster::Subscription> sub)
      : sub_(std::move(sub)) {}

  Pull pull(std::string& out) override {
    // A zero wait never blocks the I/O thread: publish() wakes it when there is more.
    switch (sub_->next(std::chrono::milliseconds(0), out)) {
      case EventBroadcaster::Subscription::Wait::closed:
        return Pull::end;
      case EventBroadcaster::Subscription::Wait::timeout:
        return Pull::none;
      case EventBroadcaster::Subscription::Wait::frames:
        return Pull::data;
    }
    return Pull::none;
  }

 private:
  std::shared_ptr<EventBroadcaster::Subscription> sub_;
};

HttpServerOptions http_options(const ControlServerOptions& o) {
  HttpServerOptions h;
  h.max_connections = o.max_connections;
  h.idle_timeout = o.idle_connection;
  h.error_response = [](int status, const std::string& message) {
    return error_reply(status, message);
  };
  return h;
}

}  // namespace

ControlServer::ControlServer(ControlBackend& backend, ControlServerOptions opts)
    : backend_(backend),
      opts_(std::move(opts)),
      events_(EventBroadcaster::Options{opts_.event_queue, opts_.max_event_streams,
                                        opts_.event_history}),
      workers_(opts_.max_threads, opts_.idle_thread),
      waiters_(opts_.max_leader_waiters),
      http_(http_options(opts_), [this](const std::shared_ptr<HttpExchange>& ex) { handle(ex); }) {}

ControlServer::~ControlServer() {
  stop();
}

bool ControlServer::is_unix() const {
  return opts_.host.rfind(kUnixPrefix, 0) == 0;
}

bool ControlServer::bind(std::string& error) {
  std::string why;
  bool ok = false;
  if (is_unix()) {
    ok = http_.listen_unix(opts_.host.substr(kUnixPrefix.size()), why);
  } else {
    ok = http_.listen_tcp(opts_.host, opts_.port, why);
    port_ = ok ? http_.port() : -1;
  }
  if (!ok) {
    const std::string where =
        is_unix() ? opts_.host : format_host_port(HostPort{opts_.host, opts_.port});
    error = "cannot listen on " + where + ": " + why +
            " (is another daemon using this control address? choose one with --control)";
  }
  return ok;
}

std::string ControlServer::address() const {
  return is_unix() ? opts_.host : format_host_port(HostPort{opts_.host, port_});
}

void ControlServer::start() {
  http_.start();
}

void ControlServer::stop() {
  // Streams end with their last chunk while the server still runs.
  events_.close();
  http_.wake_streams();
  waiters_.stop();
  // Requests waiting for an election answer first (their node is stopping); a sync election
  // asked for from now on is refused.
  workers_.shutdown();
  http_.stop();
}

void ControlServer::publish(std::string_view event_name, std::string_view json) {
  events_.publish(event_name, json);
  http_.wake_streams();
  // Every change of the leader's term comes with an event (leader_changed).
  if (waiters_.waiting() > 0) waiters_.term_is(backend_.leader().term);
}

void ControlServer::handle(const std::shared_ptr<HttpExchange>& ex) {
  const auto& req = ex->request();
  if (const auto access = control_access(req, opts_.token); access.status != 0) {
    auto r = error_reply(access.status, access.message);
    if (access.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return ex->respond(std::move(r));
  }
  // HEAD is GET without the body (the server leaves it out).
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  const auto& path = req.path;
  if (path == "/healthz") return ex->respond(get ? probe(liveness()) : wrong_method("GET"));
  if (path == "/readyz") return ex->respond(get ? readyz(req) : wrong_method("GET"));
  if (path == "/v1/leader") return get ? leader_query(ex) : ex->respond(wrong_method("GET"));
  if (path == "/v1/status") return ex->respond(get ? status() : wrong_method("GET"));
  if (path == "/v1/members") return ex->respond(get ? members() : wrong_method("GET"));
  if (path == "/metrics") {
    if (!get) return ex->respond(wrong_method("GET"));
    HttpResponse r;
    r.content_type = kMetricsContentType;
    r.body = render_metrics(backend_.status(), backend_.stats(),
                            opts_.metrics_record ? opts_.metrics_record->snapshot() : Recorded{},
                            read_process_stats());
    return ex->respond(std::move(r));
  }
  if (path == "/v1/events") return get ? events(ex) : ex->respond(wrong_method("GET"));
  if (path == "/ui") return ex->respond(get ? ui_page_response() : wrong_method("GET"));
  if (path == "/v1/elect") return post ? elect(ex) : ex->respond(wrong_method("POST"));
  if (path == "/v1/clear-leader") {
    if (!post) return ex->respond(wrong_method("POST"));
    backend_.clear_leader();
    Json j;
    j["result"] = "cleared";
    return ex->respond(reply(200, j));
  }
  ex->respond(error_reply(404, "no such endpoint: " + req.method + " " + path));
}

HttpResponse ControlServer::readyz(const HttpRequest& req) {
  const auto* role = req.param("role");
  if (role == nullptr) return probe(readiness(backend_.status()));
  if (*role == "leader") return probe(leader_readiness(backend_.leader()));
  return error_reply(400, "bad value for role: \"" + *role + "\" (expected leader)");
}

HttpResponse ControlServer::leader(std::optional<bool> timed_out) {
  const auto v = backend_.leader();
  Json j;
  j["leader"] = optional_name(v.leader);
  j["term"] = v.term;
  j["is_leader"] = v.is_leader;
  j["lease_left_ms"] = to_ms(v.lease_left);
  if (timed_out) j["timed_out"] = *timed_out;
  return reply(200, j);
}

void ControlServer::leader_query(const std::shared_ptr<HttpExchange>& ex) {
  const auto& req = ex->request();
  const auto* wait = req.param("wait");
  const auto* after = req.param("after_term");
  if (wait == nullptr && after == nullptr) return ex->respond(leader());
  if (wait == nullptr || after == nullptr) {
    return ex->respond(
        error_reply(400, std::string(wait == nullptr ? "after_term" : "wait") + " needs " +
                             (wait == nullptr ? "wait" : "after_term") +
                             ": a blocking query is GET /v1/leader?wait=DURATION&after_term=N"));
  }
  const auto timeout = parse_wait(*wait, opts_.max_leader_wait);
  if (!timeout) {
    return ex->respond(
        error_reply(400, "bad value for wait: \"" + *wait +
                             "\" (expected a duration such as 500ms, 5s or 2m, at most " +
                             std::to_string(opts_.max_leader_wait.count() / 1000) + "s)"));
  }
  std::uint64_t after_term = 0;
  const auto [ptr, ec] = std::from_chars(after->data(), after->data() + after->size(), after_term);
  if (after->empty() || ec != std::errc() || ptr != after->data() + after->size()) {
    return ex->respond(error_reply(
        400, "bad value for after_term: \"" + *after + "\" (expected a term, an integer >= 0)"));
  }
  // Answered from the event path or the waiters' timer: no thread waits per request.
  const bool added = waiters_.add(
      after_term, TermWaiters::Clock::now() + *timeout, [this, ex](TermWaiters::Outcome o) {
        if (o == TermWaiters::Outcome::stopped) {
          return ex->respond(error_reply(503, "the control server is stopping"));
        }
        ex->respond(leader(o == TermWaiters::Outcome::timed_out));
      });
  if (!added) {
    return ex->respond(error_reply(503, "too many blocking queries (at most " +
                                            std::to_string(opts_.max_leader_waiters) + ")"));
  }
  // A term that changed before the wait was registered (or already differs) answers now.
  waiters_.term_is(backend_.leader().term);
}

HttpResponse ControlServer::status() {
  const auto st = backend_.status();
  Json j;
  j["name"] = st.name;
  j["listen"] = st.listen;
  j["control"] = address();
  j["leader"] = optional_name(st.leader);
  j["term"] = st.term;
  j["is_leader"] = st.is_leader;
  j["role"] = elector::to_string(st.role);
  j["lease_left_ms"] = to_ms(st.lease_left);
  j["quorum_size"] = st.quorum_size;
  j["quorum_met"] = st.quorum_met;
  j["quorum"] = st.quorum;
  j["cluster_size"] = st.cluster_size;
  j["availability_mode"] = st.availability_mode;
  j["strategy"] = st.strategy;
  j["priority"] = st.priority;
  j["candidate"] = st.candidate;
  j["settings_hash"] = hex16(st.settings_hash);
  j["settings_mismatch"] = st.settings_mismatch;
  Json members = Json::object();
  for (const auto state : elector::kMemberStates) members[elector::to_string(state)] = 0;
  for (const auto& [state, n] : st.members_by_status) members[elector::to_string(state)] = n;
  j["members"] = members;
  j["elections"] = st.elections;
  j["uptime_ms"] = to_ms(st.uptime);
  // Whether this node can keep its promises across a restart: while saving fails it neither
  // votes nor leads.
  j["state_file"] = st.state_file;
  j["state_saved"] = st.state_saved;
  j["state_save_failures"] = st.state_save_failures;
  j["pid"] = ::getpid();
  return reply(200, j);
}

HttpResponse ControlServer::members() {
  auto ms = backend_.members();
  std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  Json list = Json::array();
  for (const auto& m : ms) {
    Json j;
    j["name"] = m.name;
    j["addr"] = m.addr;
    j["control"] = m.control;
    j["status"] = elector::to_string(m.status);
    j["priority"] = m.priority;
    j["candidate"] = m.candidate;
    j["settings_match"] = m.settings_match;
    j["self"] = m.self;
    list.push_back(std::move(j));
  }
  Json body;
  body["members"] = std::move(list);
  return reply(200, body);
}

void ControlServer::elect(const std::shared_ptr<HttpExchange>& ex) {
  const auto& req = ex->request();
  bool sync = false;
  if (const auto* v = req.param("sync")) {
    if (*v == "true" || *v == "1" || v->empty()) {
      sync = true;
    } else if (*v != "false" && *v != "0") {
      return ex->respond(
          error_reply(400, "bad value for sync: \"" + *v + "\" (expected true or false)"));
    }
  }
  auto timeout = opts_.elect_timeout;
  if (const auto* v = req.param("timeout_ms")) {
    long long n = -1;
    const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size() || n < 0 ||
        n > opts_.max_elect_timeout.count()) {
      return ex->respond(error_reply(
          400, "bad value for timeout_ms: \"" + *v + "\" (expected an integer from 0 to " +
                   std::to_string(opts_.max_elect_timeout.count()) + ")"));
    }
    timeout = std::chrono::milliseconds(n);
  }
  if (!sync) {
    const auto r = backend_.elect();
    if (auto not_started = reply_not_started(r)) return ex->respond(std::move(*not_started));
    Json j;
    j["result"] = elector::to_string(r);
    return ex->respond(reply(200, j));
  }
  // The wait would stall every other request on the I/O thread: a worker waits instead.
  const bool queued = workers_.enqueue([this, ex, timeout] {
    try {
      const auto r = backend_.elect_sync(timeout);
      if (auto not_started = reply_not_started(r.result)) {
        return ex->respond(std::move(*not_started));
      }
      if (r.timed_out || !r.leader) {
        return ex->respond(
            error_reply(504, "no leader within " + std::to_string(timeout.count()) + " ms",
                        elector::to_string(r.result)));
      }
      Json j;
      j["result"] = elector::to_string(r.result);
      j["leader"] = *r.leader;
      j["term"] = r.term;
      ex->respond(reply(200, j));
    } catch (const std::exception& e) {
      spdlog::error("control API: {} {}: {}", ex->request().method, ex->request().target, e.what());
      ex->respond(error_reply(500, e.what()));
    }
  });
  if (!queued) ex->respond(error_reply(503, "the control server is stopping"));
}

void ControlServer::events(const std::shared_ptr<HttpExchange>& ex) {
  HttpResponse head;
  head.content_type = "text/event-stream";
  head.headers.emplace_back("Cache-Control", "no-cache");
  if (ex->request().method == "HEAD") return ex->respond(std::move(head));
  auto sub = events_.subscribe(ex->request().header("last-event-id"));
  if (!sub) {
    return ex->respond(error_reply(
        503, "too many event streams (at most " + std::to_string(opts_.max_event_streams) + ")"));
  }
  if (sub->start() != EventBroadcaster::Start::resumed) {
    // Read after subscribing: an event between the two is both in the state and sent after it,
    // which is harmless, while one before would otherwise be lost.
    std::string first;
    if (sub->start() == EventBroadcaster::Start::reset) {
      Json r;
      r["event"] = "reset";
      r["last_event_id"] = *ex->request().header("last-event-id");
      first += sse_frame("reset", dump(r), sub->start_id());
    }
    first += sse_frame("state", dump(state_json(backend_.status())), sub->start_id());
    sub->put_first(first);
  }
  ex->stream(std::move(head), std::make_shared<EventSource>(std::move(sub)), opts_.keepalive,
             ": keepalive\n\n");
}

}  // namespace elector::daemon
