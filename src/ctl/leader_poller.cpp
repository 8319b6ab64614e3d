#include "ctl/leader_poller.hpp"

#include <unistd.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "ctl/http_errors.hpp"

namespace elector::ctl {

struct LeaderPoller::Client {
  Client(const Endpoint& ep, std::chrono::milliseconds timeout) : http(ep.host, ep.port) {
    http.set_keep_alive(true);
    http.set_connection_timeout(timeout);
    http.set_read_timeout(timeout);
    http.set_write_timeout(timeout);
    if (!ep.token.empty()) http.set_bearer_token_auth(ep.token);
  }
  httplib::Client http;
};

LeaderPoller::LeaderPoller(Endpoint endpoint, std::chrono::milliseconds timeout, Clock clock,
                           int notify_fd)
    : endpoint_(std::move(endpoint)),
      clock_(std::move(clock)),
      notify_fd_(notify_fd),
      client_(std::make_unique<Client>(endpoint_, timeout)),
      thread_([this] { loop(); }) {}

LeaderPoller::~LeaderPoller() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_one();
  client_->http.stop();  // wakes a request blocked on the node
  thread_.join();
}

void LeaderPoller::request() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wanted_ = true;
  }
  wake_.notify_one();
}

std::optional<LeaderPoller::Result> LeaderPoller::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (results_.empty()) return std::nullopt;
  Result r = std::move(results_.front());
  results_.pop_front();
  return r;
}

void LeaderPoller::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return wanted_ || quit_; });
      if (quit_) return;
      wanted_ = false;
    }
    Result r = ask();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (quit_) return;
      results_.push_back(std::move(r));
    }
    const std::uint64_t one = 1;
    // An eventfd write fails only when its counter would overflow, which one reader prevents.
    [[maybe_unused]] const auto n = ::write(notify_fd_, &one, sizeof one);
  }
}

LeaderPoller::Result LeaderPoller::ask() {
  Result r;
  r.sent = clock_();
  const std::string where = "node at " + endpoint_.to_string();
  auto res = client_->http.Get("/v1/leader");
  if (!res) {
    r.error =
        where + " unreachable: " + describe_transport_error(res.error()) + " (GET /v1/leader)";
    return r;
  }
  if (res->status != 200) {
    r.error = where + " answered GET /v1/leader with HTTP " + std::to_string(res->status);
    return r;
  }
  const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  try {
    r.info = decode_leader(body);
  } catch (const MalformedAnswer& e) {
    r.error = where + " gave a malformed answer to GET /v1/leader: " + e.what();
  }
  return r;
}

}  // namespace elector::ctl
