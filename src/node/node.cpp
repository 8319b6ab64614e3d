// elector::Node's lifecycle and commands (start, stop, elect, clear_leader), and the public
// methods, which forward to Node::Impl (node_impl.hpp says how the implementation is organised).
#include "elector/node.hpp"

#include <unistd.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "node/node_impl.hpp"

namespace elector {

Node::Impl::Impl(NodeConfig cfg, NodeCallbacks cb) : cfg_(std::move(cfg)), cb_(std::move(cb)) {
  if (!cb_.log) cb_.log = log_to_stderr;
  const auto errors = validate(cfg_);
  if (!errors.empty()) {
    const auto& e = errors.front();
    throw std::invalid_argument("bad value for " + e.key + ": \"" + e.value + "\" (" + e.message +
                                ")");
  }
}

Node::Impl::~Impl() {
  stop();
}

void Node::Impl::start() {
  std::unique_lock lk(mu_);
  if (state_ != State::created) throw std::logic_error("Node::start called twice");
  if (cfg_.cookie.empty() && !cfg_.insecure) {
    throw std::runtime_error(
        "no cluster secret: give one (electord: --cookie-file FILE or ELECTOR_COOKIE), or "
        "run insecure for a local experiment (electord: --insecure)");
  }
  const core::Past past = load_past();

  net::TransportOptions topt;
  topt.listen = cfg_.listen;
  topt.name = cfg_.name;
  topt.boot = boot_;
  topt.secret = cfg_.cookie;
  topt.insecure = cfg_.cookie.empty() && cfg_.insecure;
  topt.replay_window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.replay_window).count();
  transport_ = std::make_unique<net::Transport>(std::move(topt), handlers());
  transport_->start();
  // With port 0 the real port is known only now; members must be told the real one, or the
  // address to advertise instead.
  cfg_.listen = transport_->local_addr();
  Config core_cfg = cfg_;
  core_cfg.listen = advertised_address(cfg_, cfg_.listen);

  const Now now = Now::read();
  started_at_ = now.core;
  const std::uint64_t name_hash = std::hash<std::string>{}(cfg_.name);
  const auto pid = static_cast<std::uint32_t>(::getpid());
  const std::uint64_t seed = boot_ ^ (name_hash * std::uint64_t{0x9E3779B97F4A7C15}) ^ pid;
  core_.emplace(core_cfg, boot_, seed, now.core, past);
  dispatcher_.start(cb_.log);
  state_ = State::running;
  cb_.log(LogLevel::info,
          cfg_.name + ": listening on " + cfg_.listen +
              (core_cfg.listen != cfg_.listen ? ", advertised as " + core_cfg.listen : "") + " (" +
              (cfg_.cookie.empty() ? "INSECURE: messages not authenticated" : "authenticated") +
              "), strategy " +
              std::string(cfg_.custom_strategy ? cfg_.custom_strategy->name()
                                               : std::string_view(cfg_.strategy)) +
              ", quorum " +
              (cfg_.quorum_size > 0 ? std::to_string(cfg_.quorum_size) +
                                          " (explicit: availability mode once the cluster has " +
                                          std::to_string(2 * cfg_.quorum_size) + " members or more)"
                                    : std::string("a majority of the cluster") +
                                          (cfg_.cluster_size > 0
                                               ? " of at least " + std::to_string(cfg_.cluster_size)
                                               : std::string())));
  core_->set_runtime_ms(cpu_ms());
  core_->start(now.core);
  flush_locked(now);
}

void Node::Impl::stop() {
  {
    std::lock_guard lk(mu_);
    if (state_ != State::running) {
      state_ = State::stopped;
      return;
    }
    const Now now = input_now_locked();
    core_->stop(now.core);
    flush_locked(now);
    release_held_locked();  // the handover and the leave go before the transport stops
    state_ = State::stopped;
  }
  cv_.notify_all();
  transport_->stop();
  dispatcher_.stop();
}

ElectResult Node::Impl::elect() {
  std::lock_guard lk(mu_);
  if (state_ != State::running) return ElectResult::stopped;
  const Now now = input_now_locked();
  const auto r = core_->elect(now.core);
  flush_locked(now);
  return r;
}

ElectSyncResult Node::Impl::elect_sync(Duration timeout) {
  std::unique_lock lk(mu_);
  ElectSyncResult out;
  if (state_ != State::running) {
    out.result = ElectResult::stopped;
    return out;
  }
  const std::uint64_t before = finished_with_leader_;
  const Now now = input_now_locked();
  out.result = core_->elect(now.core);
  flush_locked(now);
  if (out.result != ElectResult::started) return out;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  const bool done = cv_.wait_until(
      lk, deadline, [&] { return state_ != State::running || finished_with_leader_ > before; });
  if (done && state_ == State::running) {
    out.leader = core_->leader();
    out.term = core_->term();
  } else {
    out.timed_out = state_ == State::running;
    if (!out.timed_out) out.result = ElectResult::stopped;
  }
  return out;
}

void Node::Impl::clear_leader() {
  std::lock_guard lk(mu_);
  if (state_ != State::running) return;
  const Now now = input_now_locked();
  core_->clear_leader(now.core);
  flush_locked(now);
}

Node::Node(NodeConfig cfg, NodeCallbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(cfg), std::move(callbacks))) {}
Node::~Node() = default;
void Node::start() {
  impl_->start();
}
void Node::stop() {
  impl_->stop();
}
ElectResult Node::elect() {
  return impl_->elect();
}
ElectSyncResult Node::elect_sync(Duration timeout) {
  return impl_->elect_sync(timeout);
}
void Node::clear_leader() {
  impl_->clear_leader();
}
std::optional<std::string> Node::leader() const {
  return impl_->leader();
}
bool Node::is_leader() const {
  return impl_->is_leader();
}
std::uint64_t Node::term() const {
  return impl_->term();
}
NodeLeadership Node::leadership() const {
  return impl_->leadership();
}
std::vector<NodeMember> Node::members() const {
  return impl_->members();
}
NodeStatus Node::status() const {
  return impl_->status();
}
TransportStats Node::stats() const {
  return impl_->stats();
}
NodeConfig Node::config() const {
  return impl_->config();
}

}  // namespace elector
