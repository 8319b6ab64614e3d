// electord under systemd (Type=notify, WatchdogSec=): the service manager's notifications
// through sd_notify(3). READY=1 once the node has joined its cluster (NodeStatus::quorum_met,
// the "joined" check of GET /readyz), STATUS= lines with the leader and the term, WATCHDOG=1 at
// half the interval the manager asks for, STOPPING=1 when the daemon begins to leave.
//
// The watchdog is fed by this class's own thread, which reads Node::status() before every ping:
// status() takes the node's lock, which every step of the node's event loop holds, so a loop
// stuck inside a step (or deadlocked) stops the pings and the manager restarts the daemon.
//
// Without NOTIFY_SOCKET in the environment (not started by systemd) the notifier does nothing and
// starts no thread.
//
// Thread safety: poke() may be called from any thread at any time, also before start() (the
// node's event callbacks do); start() and stop() from one thread, in that order, once each.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "elector/node.hpp"

namespace elector::daemon {

/// The STATUS= text for `st`: "leader box1, term 4", "no leader, term 0", or, before the node
/// has joined, "joining: 1 of the 2 members a quorum needs are up".
std::string systemd_status_text(const elector::NodeStatus& st);

class SystemdNotifier {
 public:
  SystemdNotifier();
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  /// Whether the process was started with NOTIFY_SOCKET (by systemd, or a test acting as it).
  [[nodiscard]] bool active() const { return active_; }

  /// Starts the thread that reads `status` (the started node's) and notifies. Nothing when not
  /// active().
  void start(std::function<elector::NodeStatus()> status);
  /// Asks for a look at the status now rather than at the next period (something happened).
  void poke();
  /// Sends STOPPING=1 and ends the thread; the `status` function is not called after it returns.
  void stop();

 private:
  void run();
  /// Reads the status and sends what changed (READY=1 with the first joined status).
  void notify_status();

  bool active_ = false;
  /// Zero without a watchdog; else half the interval the manager gave (WATCHDOG_USEC).
  std::chrono::microseconds ping_every_{0};
  std::function<elector::NodeStatus()> status_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;

  // The notifier thread's own.
  bool ready_sent_ = false;
  std::string last_status_;
};

}  // namespace elector::daemon
