#include "ctl/event_stream.hpp"

#include "ctl/http_errors.hpp"
#include "ctl/sse.hpp"

namespace elector::ctl {

namespace {
// The node sends a keepalive comment whenever it has sent nothing for its events_keepalive
// period (T by default). 30 s without a byte means it is gone (frozen, or cut off without the
// connection closing): generous, so that a node configured with a long period is not taken for
// dead.
constexpr auto kSilenceLimit = std::chrono::seconds(30);
constexpr auto kConnectTimeout = std::chrono::seconds(1);
}  // namespace

struct EventStream::Impl {
  explicit Impl(const Endpoint& ep) : client(ep.host, ep.port) {
    client.set_connection_timeout(kConnectTimeout);
    client.set_read_timeout(kSilenceLimit);
    client.set_write_timeout(kConnectTimeout);
    if (!ep.token.empty()) client.set_bearer_token_auth(ep.token);
  }
  httplib::Client client;
};

EventStream::EventStream(Endpoint endpoint)
    : endpoint_(std::move(endpoint)), impl_(std::make_unique<Impl>(endpoint_)) {}

EventStream::~EventStream() = default;

EventStream::End EventStream::run(const std::function<bool(const std::string&)>& on_event,
                                  std::string* error) {
  SseParser parser;
  int status = 0;
  bool callback_stopped = false;
  const httplib::Headers headers = {{"Accept", "text/event-stream"}};
  auto res = impl_->client.Get(
      "/v1/events", headers,
      [&](const httplib::Response& response) {
        status = response.status;
        return response.status == 200 && !stop_.load();
      },
      [&](const char* data, std::size_t length) {
        if (stop_.load()) return false;
        for (const auto& event : parser.feed(std::string_view(data, length))) {
          if (!on_event(event.data)) {
            callback_stopped = true;
            return false;
          }
        }
        return !stop_.load();
      });
  if (callback_stopped || stop_.load()) return End::stopped;
  const std::string where = "node at " + endpoint_.to_string();
  if (status != 0 && status != 200) {
    if (error) *error = where + " answered GET /v1/events with HTTP " + std::to_string(status);
    return End::failed;
  }
  if (res) {
    if (error) *error = where + " ended the event stream";
    return End::closed;
  }
  if (error) {
    if (status == 200 && res.error() == httplib::Error::Read) {
      *error = where + " closed the event stream or fell silent";
      return End::closed;
    }
    *error = where + " unreachable: " + describe_transport_error(res.error()) + " (GET /v1/events)";
  }
  return status == 200 ? End::closed : End::failed;
}

void EventStream::stop() {
  stop_.store(true);
  // Shuts the socket down if a request is in flight, which wakes the blocked read.
  impl_->client.stop();
}

}  // namespace elector::ctl
