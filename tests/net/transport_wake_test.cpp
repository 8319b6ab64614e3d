// The transport's one timer on a real loop thread (Transport::wake_at): a later wake-up asked
// from the loop replaces an earlier one, one asked from another thread only moves it earlier, and
// kNever cancels it. The timer's arithmetic alone is tested in transport_timer_test.cpp.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "net/transport.hpp"

namespace elector::net {
namespace {

using namespace testing;

/// A transport with only a timer handler, which records when it ran.
class TimerWatch {
 public:
  TimerWatch() {
    TransportOptions o;
    o.listen = "127.0.0.1:0";
    o.name = "w";
    o.boot = 1;
    o.secret = kSecret;
    o.replay_window_ms = kReplayWindowMs;
    TransportHandlers h;
    h.on_timer = [this] {
      std::lock_guard lk(mu_);
      fired_.push_back(now());
      cv_.notify_all();
    };
    t = std::make_unique<Transport>(std::move(o), std::move(h));
    t->start();
  }
  ~TimerWatch() { t->stop(); }
  TimerWatch(const TimerWatch&) = delete;
  TimerWatch& operator=(const TimerWatch&) = delete;

  static Time now() { return Time(std::chrono::steady_clock::now().time_since_epoch()); }
  /// Runs `fn` on the loop thread, as the node's handlers call wake_at().
  void on_loop(std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    t->post([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  }
  /// When the timer first ran; nullopt if it did not within kWait.
  std::optional<Time> first_fired() {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, kWait, [&] { return !fired_.empty(); })) return std::nullopt;
    return fired_.front();
  }

  std::unique_ptr<Transport> t;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Time> fired_;
};

TEST(Transport, WakeUpMovedLaterFromTheLoopDoesNotFireAtTheOldTime) {
  // An answered probe takes its timeout away: the process must not wake for it.
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] {
    w.t->wake_at(t0 + 20ms);
    w.t->wake_at(t0 + 300ms);
  });
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value());
  EXPECT_GE(*fired, t0 + 300ms)
      << "fired " << std::chrono::duration_cast<std::chrono::milliseconds>(*fired - t0).count()
      << " ms after the start, at the time that was replaced";
}

TEST(Transport, WakeUpFromAnotherThreadOnlyMovesItEarlier) {
  // By the time the loop runs a posted wake-up, a handler may have asked for an earlier one.
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] { w.t->wake_at(t0 + 50ms); });
  w.t->wake_at(t0 + 1h);
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value()) << "the later wake-up from another thread replaced the earlier";
  EXPECT_GE(*fired, t0 + 50ms);
}

TEST(Transport, WakeUpCancelledFromTheLoopDoesNotFire) {
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] {
    w.t->wake_at(t0 + 20ms);
    w.t->wake_at(kNever);
    w.t->wake_at(t0 + 200ms);
  });
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value());
  EXPECT_GE(*fired, t0 + 200ms);
}

}  // namespace
}  // namespace elector::net
