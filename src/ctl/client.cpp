#include "ctl/client.hpp"

#include <nlohmann/json.hpp>

#include "ctl/http_errors.hpp"

namespace elector::ctl {

std::string describe_transport_error(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer (read failed or timed out)";
    case httplib::Error::Write:
      return "cannot send the request";
    case httplib::Error::Canceled:
      return "request canceled";
    default:
      return httplib::to_string(error);
  }
}

namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  json body;  // null when the body is not JSON
};

void authorize(httplib::Client& cli, const Endpoint& ep) {
  if (!ep.token.empty()) cli.set_bearer_token_auth(ep.token);
}

void set_timeouts(httplib::Client& cli, std::chrono::milliseconds connect,
                  std::chrono::milliseconds read) {
  cli.set_connection_timeout(connect);
  cli.set_read_timeout(read);
  cli.set_write_timeout(connect);
}

Answer finish(const Endpoint& ep, const std::string& what, const httplib::Result& res) {
  if (!res) {
    throw NodeError(NodeError::Kind::unreachable, 0,
                    "node at " + ep.to_string() + " unreachable: " +
                        describe_transport_error(res.error()) + " (" + what + ")");
  }
  Answer answer;
  answer.status = res->status;
  answer.body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (answer.body.is_discarded()) answer.body = nullptr;
  return answer;
}

[[noreturn]] void http_failure(const Endpoint& ep, const std::string& what, const Answer& a) {
  std::string text;
  if (a.body.is_object()) {
    if (const auto it = a.body.find("error"); it != a.body.end() && it->is_string()) {
      text = it->get<std::string>();
    }
  }
  throw NodeError(NodeError::Kind::http, a.status,
                  "node at " + ep.to_string() + " answered " + what + " with HTTP " +
                      std::to_string(a.status) + (text.empty() ? "" : ": " + text));
}

template <typename Decode>
auto decode(const Endpoint& ep, const std::string& what, const Answer& a, Decode decoder) {
  if (a.status != 200) http_failure(ep, what, a);
  try {
    return decoder(a.body);
  } catch (const MalformedAnswer& e) {
    throw NodeError(
        NodeError::Kind::malformed, a.status,
        "node at " + ep.to_string() + " gave a malformed answer to " + what + ": " + e.what());
  }
}

}  // namespace

NodeClient::NodeClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

namespace {

Answer get(const Endpoint& ep, std::chrono::milliseconds timeout, const std::string& path) {
  httplib::Client cli(ep.host, ep.port);
  set_timeouts(cli, timeout, timeout);
  authorize(cli, ep);
  return finish(ep, "GET " + path, cli.Get(path));
}

}  // namespace

LeaderInfo NodeClient::leader() const {
  const std::string what = "GET /v1/leader";
  return decode(endpoint_, what, get(endpoint_, timeout_, "/v1/leader"), decode_leader);
}

StatusInfo NodeClient::status() const {
  const std::string what = "GET /v1/status";
  return decode(endpoint_, what, get(endpoint_, timeout_, "/v1/status"), decode_status);
}

std::vector<MemberInfo> NodeClient::members() const {
  const std::string what = "GET /v1/members";
  return decode(endpoint_, what, get(endpoint_, timeout_, "/v1/members"), decode_members);
}

ElectOutcome NodeClient::elect(bool sync, std::chrono::milliseconds sync_timeout) const {
  std::string path = "/v1/elect";
  if (sync) path += "?sync=true&timeout_ms=" + std::to_string(sync_timeout.count());
  const std::string what = "POST /v1/elect";
  httplib::Client cli(endpoint_.host, endpoint_.port);
  // The node holds a sync request open for up to sync_timeout; allow it that long plus the usual
  // margin before calling it unresponsive.
  set_timeouts(cli, timeout_, sync ? sync_timeout + timeout_ : timeout_);
  authorize(cli, endpoint_);
  httplib::Result res = cli.Post(path);
  ElectOutcome out;
  if (!res && sync && res.error() == httplib::Error::Read) {
    out.result = ElectOutcome::Result::no_leader_in_time;
    out.error = "no answer from " + endpoint_.to_string() + " within " +
                std::to_string(sync_timeout.count()) + " ms";
    return out;
  }
  const Answer a = finish(endpoint_, what, res);
  auto error_text = [&]() -> std::string {
    if (a.body.is_object()) {
      if (const auto it = a.body.find("error"); it != a.body.end() && it->is_string()) {
        return it->get<std::string>();
      }
    }
    return "HTTP " + std::to_string(a.status);
  };
  switch (a.status) {
    case 200:
      break;
    case 409:
      out.result = ElectOutcome::Result::quorum_not_met;
      out.error = error_text();
      return out;
    case 503:
      out.result = ElectOutcome::Result::stopping;
      out.error = error_text();
      return out;
    case 504:
      out.result = ElectOutcome::Result::no_leader_in_time;
      out.error = error_text();
      return out;
    default:
      http_failure(endpoint_, what, a);
  }
  if (!a.body.is_object()) {
    throw NodeError(NodeError::Kind::malformed, a.status,
                    "node at " + endpoint_.to_string() + " gave a malformed answer to " + what);
  }
  if (!sync) return out;
  try {
    const LeaderInfo leader = decode_leader(a.body);
    if (!leader.leader) {
      throw MalformedAnswer("a synchronous election answered without a leader");
    }
    out.result = ElectOutcome::Result::elected;
    out.leader = leader.leader;
    out.term = leader.term;
  } catch (const MalformedAnswer& e) {
    throw NodeError(NodeError::Kind::malformed, a.status,
                    "node at " + endpoint_.to_string() + " gave a malformed answer to " + what +
                        ": " + e.what());
  }
  return out;
}

void NodeClient::clear_leader() const {
  const std::string what = "POST /v1/clear-leader";
  httplib::Client cli(endpoint_.host, endpoint_.port);
  set_timeouts(cli, timeout_, timeout_);
  authorize(cli, endpoint_);
  const Answer a = finish(endpoint_, what, cli.Post("/v1/clear-leader"));
  if (a.status != 200) http_failure(endpoint_, what, a);
}

}  // namespace elector::ctl
