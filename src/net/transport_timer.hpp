// The transport's one timer: the core's next deadline, the idle-connection sweep and the time
// limit of connections that have not authenticated, all on a single Asio timer.
//
// One timer, not one per purpose: Asio reprograms its timerfd only when the earliest of its
// timers moves earlier, so a second timer (the sweep, or a cancelled wait) left the timerfd at a
// deadline that had gone away, such as a probe's timeout once its ack was in, and an idle process
// woke for nothing (docs/performance.md). The sweep never wakes a process on its own while
// anything else does: once due it runs on the next wake-up, whatever its cause (the timer, or a
// packet: nudge()); a process that nothing wakes for a whole sweep period past it is woken for it.
// (The accept retry's own timer runs only while the process is out of descriptors.)
//
// WakePlan is the arithmetic of that choice, apart from Asio; TransportTimer drives the Asio
// timer with it.
//
// Thread safety: the loop thread only, except start() (owner thread, before the loop runs).
// Call order: start(), then wake_at(), rearm() and nudge() at will; stop() ends it for good.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>

#include "elector/time.hpp"

namespace elector::net {

/// How often the idle-connection sweep runs for an idle limit of `idle_close`: a quarter of it,
/// so that a connection closes at most a quarter (or, in a process that nothing else wakes, half)
/// late; at least every second.
Duration sweep_period_for(Duration idle_close);

class WakePlan {
 public:
  explicit WakePlan(Duration sweep_period) : period_(sweep_period) {}

  /// The sweep is first due a period after `now`.
  void start(Time now) { sweep_at_ = now + period_; }
  /// The core asked to be woken at `t`. `replace`: `t` is the core's newest answer, so it replaces
  /// a pending earlier one too (an idle process must not wake for a deadline that went away, such
  /// as a probe that was answered); otherwise only an earlier `t` moves it.
  void core_wants(Time t, bool replace) {
    if (replace || t < core_at_) core_at_ = t;
  }
  /// The instant to wait for, given the earliest authentication deadline: the earliest of it, the
  /// core's, and the sweep's once a whole period overdue. kNever: nothing to wait for.
  [[nodiscard]] Time next(Time auth_deadline) const;
  [[nodiscard]] bool sweep_due(Time now) const { return now >= sweep_at_; }
  /// True when the sweep is due at `now`: it is then next due a period later.
  bool take_sweep(Time now);
  /// True when the core's deadline has come at `now`: it is then forgotten (the core gives the
  /// next one).
  bool take_core(Time now);

 private:
  Duration period_;
  Time core_at_ = kNever;
  Time sweep_at_ = kNever;
};

class TransportTimer {
 public:
  struct Hooks {
    /// The earliest authentication deadline (kNever: none).
    std::function<Time()> auth_deadline;
    /// Give up the connections whose authentication deadline has come at `now`.
    std::function<void(Time now)> expire;
    /// The idle-connection sweep.
    std::function<void()> sweep;
    /// The core's deadline has come.
    std::function<void()> core;
  };

  TransportTimer(boost::asio::io_context& io, Duration sweep_period, Hooks hooks)
      : io_(io), timer_(io), plan_(sweep_period), hooks_(std::move(hooks)) {}

  /// Plans the first sweep a period after `now` and arms the timer once the loop runs.
  void start(Time now);
  /// The core asks to be woken at `t` (see WakePlan::core_wants for `replace`).
  void wake_at(Time t, bool replace);
  /// Waits for the earliest deadline, after one of them moved.
  void rearm();
  /// Something woke the process at `now`: the sweep runs soon (not from here: the caller may be
  /// reading a connection the sweep would close) if it is due.
  void nudge(Time now);
  /// Cancels the wait; nothing arms the timer again.
  void stop();

 private:
  void fired();
  void maybe_sweep(Time now);

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  WakePlan plan_;
  Hooks hooks_;
  /// What timer_ waits for (kNever: nothing).
  Time armed_ = kNever;
  /// Tells the current wait from one that had already completed when the timer was moved.
  std::uint64_t armed_gen_ = 0;
  bool stopping_ = false;
};

}  // namespace elector::net
