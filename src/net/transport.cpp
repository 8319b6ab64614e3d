// The transport assembled: the loop thread and its io_context, and the pieces it runs (the
// channels, the router, the timer), wired to each other and to the handlers. Each piece's own
// header states its part; this file owns only their lifetime and the order of start and stop.
#include "net/transport.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "net/address.hpp"
#include "net/clock.hpp"
#include "net/diagnostics.hpp"
#include "net/router.hpp"
#include "net/stats.hpp"
#include "net/tcp_channel.hpp"
#include "net/transport_timer.hpp"
#include "net/udp_channel.hpp"

namespace elector::net {

class Transport::Impl : public std::enable_shared_from_this<Transport::Impl> {
 public:
  Impl(TransportOptions opt, TransportHandlers h)
      : opt_(std::move(opt)),
        handlers_(std::move(h)),
        log_(handlers_.on_log, opt_.name),
        addresses_(io_, log_),
        timer_(io_, sweep_period_for(opt_.idle_close), timer_hooks()),
        udp_(io_, stats_),
        tcp_(io_, opt_, stats_, log_, tcp_upcalls()),
        router_(opt_, stats_, log_, addresses_, udp_, tcp_, router_upcalls()) {}

  void start() {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(opt_.listen, host, port)) {
      throw std::runtime_error("listen address \"" + opt_.listen + "\" is not HOST:PORT");
    }
    boost::system::error_code ec;
    const auto ep = endpoint_of(io_, host, port, ec);
    if (!ep) {
      throw std::runtime_error("cannot resolve listen host \"" + host + "\": " + ec.message());
    }
    const auto bound = tcp_.listen(*ep);
    udp_.open(bound, opt_.udp_receive_buffer, opt_.listen);
    {
      std::lock_guard lk(addr_mu_);
      local_ = join_host_port(host, bound.port());
    }
    tcp_.accept();
    udp_.receive(
        [this](std::span<const std::uint8_t> p, const boost::asio::ip::udp::endpoint& from) {
          router_.on_datagram(p, from);
        });
    timer_.start(mono());
    thread_ = std::thread([self = shared_from_this()] {
      pthread_setname_np(pthread_self(), "elector-net");  // shown by top -H and /proc
      self->loop_id_.store(std::this_thread::get_id());
      self->io_.run();
    });
  }

  void stop() {
    if (stopped_.exchange(true) || !thread_.joinable()) return;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    post([&] {
      timer_.stop();
      router_.begin_stop();
      addresses_.stop();
      udp_.stop();
      tcp_.begin_stop();
      std::lock_guard lk(m);
      done = true;
      cv.notify_all();
    });
    {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return done; });
    }
    // Give queued handovers, leaves and goodbyes a moment to reach the peers.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() < deadline && tcp_.open_connections() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    post([this] {
      tcp_.close_all();
      udp_.close();
      io_.stop();
    });
    thread_.join();
    // Run what is left (aborted operations) so that no handler keeps this object alive.
    io_.restart();
    io_.poll();
  }

  void send(core::Outgoing msg) {
    if (stopped_.load()) return;
    if (on_loop_thread()) {
      router_.send(msg);
    } else {
      post([self = shared_from_this(), m = std::move(msg)] { self->router_.send(m); });
    }
  }

  void post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

  void wake_at(Time t) {
    if (stopped_.load()) return;
    if (on_loop_thread()) {
      timer_.wake_at(t, true);
    } else {
      post([self = shared_from_this(), t] { self->timer_.wake_at(t, false); });
    }
  }

  TransportStats stats() const {
    TransportStats s = stats_.snapshot();
    s.connections = static_cast<std::uint64_t>(std::max(tcp_.open_connections(), 0));
    return s;
  }
  bool on_loop_thread() const { return std::this_thread::get_id() == loop_id_.load(); }
  std::string local_addr() const {
    std::lock_guard lk(addr_mu_);
    return local_.empty() ? opt_.listen : local_;
  }

 private:
  TransportTimer::Hooks timer_hooks() {
    return {
        .auth_deadline = [this] { return tcp_.auth_deadline(); },
        .expire = [this](Time now) { tcp_.expire_unauthenticated(now); },
        .sweep =
            [this] {
              tcp_.close_idle(mono());
              router_.forget_idle();
            },
        .core =
            [this] {
              if (handlers_.on_timer) handlers_.on_timer();
            },
    };
  }

  TcpChannel::Upcalls tcp_upcalls() {
    return {
        .seal = [this](wire::PacketType type) { return router_.seal(type); },
        .open = [this](std::span<const std::uint8_t> p) { return router_.open(p); },
        .deliver = [this](std::span<const std::uint8_t> payload,
                          std::size_t wire_bytes) { router_.deliver(payload, wire_bytes); },
        .peer_gone =
            [this](const std::string& name, std::uint64_t boot) {
              if (handlers_.on_peer_gone) handlers_.on_peer_gone(name, boot);
            },
        .deadline_moved = [this] { timer_.rearm(); },
    };
  }

  Router::Upcalls router_upcalls() {
    return {
        .on_message =
            [this](core::Envelope&& env) {
              if (handlers_.on_message) handlers_.on_message(std::move(env));
            },
        .on_arrival = [this] { timer_.nudge(mono()); },
    };
  }

  TransportOptions opt_;
  TransportHandlers handlers_;
  boost::asio::io_context io_;
  Stats stats_;
  Diagnostics log_;
  AddressBook addresses_;
  TransportTimer timer_;
  UdpChannel udp_;
  TcpChannel tcp_;
  Router router_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::thread::id> loop_id_{};
  std::thread thread_;
  mutable std::mutex addr_mu_;
  std::string local_;
};

Transport::Transport(TransportOptions opt, TransportHandlers handlers)
    : impl_(std::make_shared<Impl>(std::move(opt), std::move(handlers))) {}
Transport::~Transport() {
  stop();
}
void Transport::start() {
  impl_->start();
}
void Transport::stop() {
  impl_->stop();
}
void Transport::send(core::Outgoing msg) {
  impl_->send(std::move(msg));
}
void Transport::post(std::function<void()> fn) {
  impl_->post(std::move(fn));
}
void Transport::wake_at(Time t) {
  impl_->wake_at(t);
}
TransportStats Transport::stats() const {
  return impl_->stats();
}
bool Transport::on_loop_thread() const {
  return impl_->on_loop_thread();
}
std::string Transport::local_addr() const {
  return impl_->local_addr();
}

}  // namespace elector::net
