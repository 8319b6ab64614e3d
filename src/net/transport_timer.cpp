#include "net/transport_timer.hpp"

#include <algorithm>
#include <chrono>

#include "net/clock.hpp"

namespace elector::net {

Duration sweep_period_for(Duration idle_close) {
  return std::max(Duration(idle_close / 4), Duration(std::chrono::seconds(1)));
}

Time WakePlan::next(Time auth_deadline) const {
  const Time sweep = sweep_at_ == kNever ? kNever : sweep_at_ + period_;
  return std::min({core_at_, sweep, auth_deadline});
}

bool WakePlan::take_sweep(Time now) {
  if (now < sweep_at_) return false;
  sweep_at_ = now + period_;
  return true;
}

bool WakePlan::take_core(Time now) {
  if (now < core_at_) return false;
  core_at_ = kNever;
  return true;
}

void TransportTimer::start(Time now) {
  plan_.start(now);
  boost::asio::post(io_, [this] { rearm(); });
}

void TransportTimer::wake_at(Time t, bool replace) {
  if (stopping_) return;
  plan_.core_wants(t, replace);
  rearm();
}

void TransportTimer::rearm() {
  if (stopping_) return;
  const Time t = plan_.next(hooks_.auth_deadline());
  if (t == armed_) return;
  armed_ = t;
  if (t == kNever) {
    ++armed_gen_;
    timer_.cancel();
    return;
  }
  timer_.expires_at(to_steady(t));
  // A wait that had already expired when the timer was moved still completes without error:
  // the generation tells it apart from the current one.
  const std::uint64_t gen = ++armed_gen_;
  timer_.async_wait([this, gen](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || gen != armed_gen_) return;
    fired();
  });
}

void TransportTimer::fired() {
  armed_ = kNever;
  if (stopping_) return;
  const Time now = mono();
  hooks_.expire(now);
  maybe_sweep(now);
  if (plan_.take_core(now)) hooks_.core();  // the core calls wake_at: arms the next deadline
  if (!stopping_) rearm();
}

void TransportTimer::nudge(Time now) {
  if (plan_.sweep_due(now)) boost::asio::post(io_, [this] { maybe_sweep(mono()); });
}

void TransportTimer::maybe_sweep(Time now) {
  if (plan_.take_sweep(now)) hooks_.sweep();
}

void TransportTimer::stop() {
  stopping_ = true;
  ++armed_gen_;
  timer_.cancel();
}

}  // namespace elector::net
