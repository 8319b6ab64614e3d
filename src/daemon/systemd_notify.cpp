#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

#include "daemon/probes.hpp"

namespace elector::daemon {

namespace {

/// How often the status is read without a watchdog, or when the watchdog's interval is longer.
constexpr std::chrono::microseconds kStatusPeriod = std::chrono::seconds(1);

void send(const std::string& text) {
  sd_notify(0, text.c_str());
}

}  // namespace

std::string systemd_status_text(const elector::NodeStatus& st) {
  if (!st.quorum_met) {
    return "joining: " + std::to_string(up_members(st)) + " of the " + std::to_string(st.quorum) +
           " members a quorum needs are up";
  }
  const std::string term = ", term " + std::to_string(st.term);
  if (!st.leader) return "no leader" + term;
  return "leader " + *st.leader + term + (st.is_leader ? " (this node)" : "");
}

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // Not 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process.
  if (active_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    ping_every_ = std::chrono::microseconds(usec / 2);
  }
}

SystemdNotifier::~SystemdNotifier() {
  stop();
}

void SystemdNotifier::start(std::function<elector::NodeStatus()> status) {
  if (!active_ || thread_.joinable()) return;
  status_ = std::move(status);
  thread_ = std::thread([this] { run(); });
}

void SystemdNotifier::poke() {
  if (!active_) return;
  {
    std::lock_guard g(mu_);
    poked_ = true;
  }
  wake_.notify_one();
}

void SystemdNotifier::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard g(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  send("STOPPING=1\nSTATUS=stopping: handing leadership over and leaving the cluster");
}

void SystemdNotifier::run() {
  using clock = std::chrono::steady_clock;
  const bool watchdog = ping_every_.count() > 0;
  auto next_ping = clock::now();
  std::unique_lock lk(mu_);
  while (!stopping_) {
    poked_ = false;
    lk.unlock();
    notify_status();
    if (watchdog && clock::now() >= next_ping) {
      send("WATCHDOG=1");
      next_ping = clock::now() + ping_every_;
    }
    lk.lock();
    auto until = clock::now() + kStatusPeriod;
    if (watchdog && next_ping < until) until = next_ping;
    wake_.wait_until(lk, until, [this] { return poked_ || stopping_; });
  }
}

void SystemdNotifier::notify_status() {
  // Under the node's lock: a node loop that does not come out of a step blocks here, and the
  // watchdog's pings stop with it.
  const elector::NodeStatus st = status_();
  std::string text = systemd_status_text(st);
  if (text == last_status_ && (ready_sent_ || !st.quorum_met)) return;
  last_status_ = text;
  std::string message = "STATUS=" + text;
  if (!ready_sent_ && st.quorum_met) {
    message = "READY=1\n" + message;
    ready_sent_ = true;
  }
  send(message);
}

}  // namespace elector::daemon
