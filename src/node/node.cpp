// elector::Node: the protocol core driven by the network transport and the clock.
//
// One mutex guards the core. Inputs come from the transport's loop thread (messages, peer gone,
// timers) and from API calls on any thread; each takes the lock, feeds the core with the current
// instant, and drains what the core produced: its state to the state file first, then messages to
// the transport, events and hooks to the dispatcher thread (never run under the lock), and the
// next wake-up to the timer.
//
// Two clocks. The core runs on CLOCK_BOOTTIME, which keeps counting while the machine is
// suspended: a leader resumed from a suspend sees its lease ended, as its followers did, and the
// promises saved in the state file are measured on a clock that a restart of the process does not
// reset. Timers (the transport's, on steady_clock) and what the node reports (event instants, as
// `mono_now()` says) are on CLOCK_MONOTONIC, which stops during a suspend. Each input reads both
// (`Now`), and core instants are moved to CLOCK_MONOTONIC by the clocks' difference at that
// reading; the difference changes only across a suspend.
#include "elector/node.hpp"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/node_core.hpp"
#include "core/timing.hpp"
#include "net/transport.hpp"
#include "node/dispatcher.hpp"
#include "node/state_file.hpp"

namespace elector {

Time mono_now() {
  return Time(std::chrono::steady_clock::now().time_since_epoch());
}

namespace {

Time read_clock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return Time(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

/// One reading of both clocks (see the top of this file).
struct Now {
  Time core;  // CLOCK_BOOTTIME: every instant given to or received from the core
  Time mono;  // CLOCK_MONOTONIC: timers and reported instants

  static Now read() {
    // steady_clock is CLOCK_MONOTONIC (libstdc++), so the two readings agree with the timer's.
    const Time core = read_clock(CLOCK_BOOTTIME);
    return Now{core, mono_now()};
  }
  /// A core instant on CLOCK_MONOTONIC.
  [[nodiscard]] Time to_mono(Time t) const { return t == kNever ? kNever : t - (core - mono); }
};

}  // namespace

const char* to_string(ElectResult r) {
  switch (r) {
    case ElectResult::started:
      return "started";
    case ElectResult::quorum_not_met:
      return "quorum_not_met";
    case ElectResult::stopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

std::int64_t cpu_ms() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::uint64_t wall_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

ElectResult result_of(ElectOutcome o) {
  switch (o) {
    case ElectOutcome::started:
      return ElectResult::started;
    case ElectOutcome::quorum_not_met:
      return ElectResult::quorum_not_met;
    case ElectOutcome::stopped:
      return ElectResult::stopped;
  }
  return ElectResult::stopped;
}

}  // namespace

class Node::Impl {
 public:
  Impl(NodeConfig cfg, NodeCallbacks cb) : cfg_(std::move(cfg)), cb_(std::move(cb)) {
    if (!cb_.log) cb_.log = log_to_stderr;
    const auto errors = validate(cfg_);
    if (!errors.empty()) {
      const auto& e = errors.front();
      throw std::invalid_argument("bad value for " + e.key + ": \"" + e.value + "\" (" + e.message +
                                  ")");
    }
  }

  ~Impl() { stop(); }

  void start() {
    std::unique_lock lk(mu_);
    if (state_ != State::created) throw std::logic_error("Node::start called twice");
    if (cfg_.cookie.empty() && !cfg_.insecure) {
      throw std::runtime_error(
          "no cluster secret: give one (electord: --cookie-file FILE or ELECTOR_COOKIE), or "
          "run insecure for a local experiment (electord: --insecure)");
    }
    const Past past = load_past();

    net::TransportOptions topt;
    topt.listen = cfg_.listen;
    topt.name = cfg_.name;
    topt.boot = boot_;
    topt.secret = cfg_.cookie;
    topt.insecure = cfg_.cookie.empty() && cfg_.insecure;
    topt.replay_window_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.replay_window).count();
    net::TransportHandlers h;
    h.on_log = cb_.log;
    h.on_message = [this](Envelope&& env) {
      std::lock_guard g(mu_);
      if (state_ != State::running) return;
      const Now now = input_now_locked();
      core_->receive(now.core, env);
      flush_locked(now);
    };
    h.on_peer_gone = [this](const std::string& name, std::uint64_t boot) {
      std::lock_guard g(mu_);
      if (state_ != State::running) return;
      const Now now = input_now_locked();
      core_->peer_gone(now.core, name, boot);
      flush_locked(now);
    };
    h.on_timer = [this] {
      std::lock_guard g(mu_);
      if (state_ != State::running) return;
      const Now now = input_now_locked();
      core_->tick(now.core);
      flush_locked(now);
    };
    transport_ = std::make_unique<net::Transport>(std::move(topt), std::move(h));
    transport_->start();
    // With port 0 the real port is known only now; members must be told the real one.
    cfg_.listen = transport_->local_addr();

    const Now now = Now::read();
    started_at_ = now.core;
    const std::uint64_t name_hash = std::hash<std::string>{}(cfg_.name);
    const auto pid = static_cast<std::uint32_t>(::getpid());
    const std::uint64_t seed = boot_ ^ (name_hash * std::uint64_t{0x9E3779B97F4A7C15}) ^ pid;
    core_.emplace(cfg_, boot_, seed, now.core, past);
    dispatcher_.start(cb_.log);
    state_ = State::running;
    cb_.log(
        LogLevel::info,
        cfg_.name + ": listening on " + cfg_.listen + " (" +
            (cfg_.cookie.empty() ? "INSECURE: messages not authenticated" : "authenticated") +
            "), strategy " +
            std::string(cfg_.custom_strategy ? cfg_.custom_strategy->name()
                                             : std::string_view(cfg_.strategy)) +
            ", quorum " +
            (cfg_.quorum_size > 0
                 ? std::to_string(cfg_.quorum_size) +
                       " (explicit: availability mode once the cluster has " +
                       std::to_string(2 * cfg_.quorum_size) + " members or more)"
                 : std::string("a majority of the cluster") +
                       (cfg_.cluster_size > 0 ? " of at least " + std::to_string(cfg_.cluster_size)
                                              : std::string())));
    core_->set_runtime_ms(cpu_ms());
    core_->start(now.core);
    flush_locked(now);
  }

  void stop() {
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

  ElectResult elect() {
    std::lock_guard lk(mu_);
    if (state_ != State::running) return ElectResult::stopped;
    const Now now = input_now_locked();
    const auto r = result_of(core_->elect(now.core));
    flush_locked(now);
    return r;
  }

  ElectSyncResult elect_sync(Duration timeout) {
    std::unique_lock lk(mu_);
    ElectSyncResult out;
    if (state_ != State::running) {
      out.result = ElectResult::stopped;
      return out;
    }
    const std::uint64_t before = finished_with_leader_;
    const Now now = input_now_locked();
    out.result = result_of(core_->elect(now.core));
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

  void clear_leader() {
    std::lock_guard lk(mu_);
    if (state_ != State::running) return;
    const Now now = input_now_locked();
    core_->clear_leader(now.core);
    flush_locked(now);
  }

  std::optional<std::string> leader() const {
    std::lock_guard lk(mu_);
    if (!core_) return std::nullopt;
    return core_->leader();
  }

  bool is_leader() const {
    std::lock_guard lk(mu_);
    return state_ == State::running && core_->is_leader(Now::read().core);
  }

  std::uint64_t term() const {
    std::lock_guard lk(mu_);
    return core_ ? core_->term() : 0;
  }

  std::vector<NodeMember> members() const {
    std::lock_guard lk(mu_);
    return members_locked();
  }

  NodeStatus status() const {
    std::lock_guard lk(mu_);
    NodeStatus s;
    s.name = cfg_.name;
    s.listen = cfg_.listen;
    s.quorum_size = cfg_.quorum_size;
    s.strategy = cfg_.custom_strategy ? cfg_.custom_strategy->name() : cfg_.strategy;
    s.priority = cfg_.priority;
    s.candidate = cfg_.candidate_node;
    s.state_file = cfg_.state_file;
    s.state_save_failures = save_failures_;
    if (!core_) return s;
    const Time now = Now::read().core;
    s.leader = core_->leader();
    s.term = core_->term();
    s.is_leader = state_ == State::running && core_->is_leader(now);
    s.role = to_string(core_->role());
    s.lease_left = s.is_leader ? core_->lease_end() - now : Duration::zero();
    s.quorum_met = core_->quorum_met();
    s.quorum = core_->election().quorum();
    s.cluster_size = core_->election().cluster_size();
    s.availability_mode = core_->election().availability_mode();
    s.settings_hash = core_->settings_hash();
    for (const auto& m : members_locked()) {
      ++s.members_by_status[m.status];
      if (!m.settings_match) s.settings_mismatch.push_back(m.name);
    }
    for (const char* st : {"alive", "suspect", "dead", "left"})
      s.members_by_status.try_emplace(st, 0);
    s.elections = elections_finished_;
    const CampaignCounts& counts = core_->election().campaign_counts();
    for (const auto& [round, ends] : counts.ended) {
      for (const auto& [outcome, n] : ends) s.campaigns[to_string(round)][to_string(outcome)] = n;
    }
    for (const auto& [why, n] : counts.refusals) s.vote_refusals[to_string(why)] = n;
    s.uptime = now - started_at_;
    s.state_saved = core_->durable_ok();
    return s;
  }

  TransportStats stats() const {
    std::lock_guard lk(mu_);
    return transport_ ? transport_->stats() : TransportStats{};
  }

  const NodeConfig& config() const { return cfg_; }

 private:
  enum class State { created, running, stopped };

  std::vector<NodeMember> members_locked() const {
    std::vector<NodeMember> v;
    if (!core_) return v;
    for (const auto& m : core_->members()) {
      v.push_back(NodeMember{m.name, m.addr, m.control, to_string(m.status), m.priority,
                             m.candidate, m.settings_match, false});
    }
    v.push_back(NodeMember{cfg_.name, cfg_.listen, cfg_.control, "alive", cfg_.priority,
                           cfg_.candidate_node, true, true});
    std::sort(v.begin(), v.end(),
              [](const NodeMember& a, const NodeMember& b) { return a.name < b.name; });
    return v;
  }

  /// The instant of a core input, after telling the core the CPU time used so far: every message
  /// of the step carries it (Header::runtime_ms), and the runtime_* strategies rank a member on
  /// the value of its latest message (docs/design.md §5). Read on the timer alone, it was as old
  /// as the last timer, which messages keep putting off: up to a push-pull interval.
  Now input_now_locked() {
    core_->set_runtime_ms(cpu_ms());
    return Now::read();
  }

  /// Hands what the core produced to the state file, the transport, the dispatcher and the timer.
  void flush_locked(const Now& now) {
    bool wake = false;
    // A save's outcome is an input of the core, which may answer it (a leader that cannot save
    // steps down and resigns): drain until a step asks for no save. The core asks again only a
    // heartbeat interval after a failure, so this ends after the second round.
    for (int round = 0; round < 4; ++round) {
      Ready r = core_->take_ready();
      const bool asked = r.save.has_value();
      if (asked) {
        // The state goes to disk before any message of this step can leave (design §7: a vote
        // or an acknowledgement must bind a restarted process too). Messages that rest on a
        // state that could not be saved must not leave at all.
        const bool ok = save_locked(now, *r.save);
        if (!ok) r.messages.clear();
        core_->saved(now.core, ok);
      }
      // A pre-election hook starts before this node campaigns or votes in its election (design
      // §6): the step's messages, and those of later steps behind them, wait until the
      // dispatcher has handed the hook over, hook_timeout at most.
      const bool hold =
          cb_.pre_election && std::any_of(r.hooks.begin(), r.hooks.end(), [](const HookRequest& h) {
            return h.phase == HookRequest::Phase::pre;
          });
      if (hold) {
        if (!holding_) hold_end_ = now.mono + cfg_.hook_timeout;
        holding_ = true;
        ++hold_gen_;
      }
      for (auto& m : r.messages) {
        if (holding_) {
          held_.push_back(std::move(m));
        } else {
          transport_->send(std::move(m));
        }
      }
      wake = post_events_locked(now, r, hold ? hold_gen_ : 0) || wake;
      if (!asked) break;
    }
    if (holding_ && now.mono >= hold_end_) release_held_locked();
    const Time next = now.to_mono(core_->next_wakeup());
    transport_->wake_at(holding_ ? std::min(next, hold_end_) : next);
    if (wake) cv_.notify_all();
  }

  /// Sends what waited for a pre-election hook.
  void release_held_locked() {
    holding_ = false;
    hold_end_ = kNever;
    for (auto& m : held_) transport_->send(std::move(m));
    held_.clear();
  }

  /// On the dispatcher thread, once the pre-election hooks of hold `gen` were handed over. A
  /// later hold (a newer election's hook, queued behind this one) keeps everything waiting.
  void release_held(std::uint64_t gen) {
    std::lock_guard g(mu_);
    if (state_ == State::running && holding_ && gen == hold_gen_) release_held_locked();
  }

  /// Queues the step's events and hooks for the dispatcher; true if an election finished with a
  /// leader (elect_sync waits for that). `hold` (0: none): the hold the step's pre-election hooks
  /// end once handed over.
  bool post_events_locked(const Now& now, Ready& r, std::uint64_t hold) {
    bool wake = false;
    for (auto& e : r.events) {
      if (const auto* f = std::get_if<ElectionFinished>(&e)) {
        ++elections_finished_;
        if (f->leader) {
          ++finished_with_leader_;
          wake = true;
        }
      } else if (auto* ll = std::get_if<LeadershipLost>(&e)) {
        // Reported instants are on CLOCK_MONOTONIC, as the event's own instant.
        ll->effective = now.to_mono(ll->effective);
      }
    }
    // One task per step, not one per event: a step often yields several events (a crashed
    // leader's follower reports member_down, leader_changed and election_started at once), and
    // each task posted would wake the event thread, a context switch, on its own.
    if (!r.events.empty() || !r.hooks.empty()) {
      dispatcher_.post(
          [this, at = now.mono, hold, evs = std::move(r.events), hooks = std::move(r.hooks)] {
            for (const auto& ev : evs) deliver(at, ev);
            for (const auto& req : hooks) {
              const auto& fn =
                  req.phase == HookRequest::Phase::pre ? cb_.pre_election : cb_.post_election;
              if (fn) fn(req);
            }
            if (hold != 0) release_held(hold);
          });
    }
    return wake;
  }

  /// On the dispatcher thread.
  void deliver(Time at, const Event& e) {
    if (cb_.event) cb_.event(at, e);
    if (const auto* lc = std::get_if<LeaderChanged>(&e)) {
      if (cb_.leader_changed) cb_.leader_changed(lc->leader, lc->term);
    } else if (const auto* la = std::get_if<LeadershipAcquired>(&e)) {
      if (cb_.elected) cb_.elected(la->term);
    } else if (const auto* ll = std::get_if<LeadershipLost>(&e)) {
      if (cb_.demoted) cb_.demoted(ll->term, to_string(ll->reason));
    }
  }

  /// What the state file says of this node's past (a lost one without a state file: a library
  /// user who keeps none may have run before, and its promises may still bind it). Sets boot_.
  Past load_past() {
    Past past{Recall::lost, DurableState{}};
    std::uint64_t kept_boot = 0;
    const auto quiet = Timing(cfg_.heartbeat_interval).quiet_after_loss();
    const std::string quiet_text = "it keeps quiet (no votes, no leading) for " +
                                   std::to_string(to_ms(quiet)) + " ms after its start";
    if (cfg_.state_file.empty()) {
      cb_.log(LogLevel::info, cfg_.name + ": no state file: " + quiet_text);
    } else {
      std::string err;
      auto loaded = load_state(cfg_.state_file, machine_boot_id(), err);
      if (!loaded) throw std::runtime_error(err);
      past = loaded->past;
      kept_boot = loaded->boot;
      if (!loaded->corrupt.empty()) {
        cb_.log(LogLevel::error, cfg_.name + ": " + loaded->corrupt +
                                     ": its promises to other members are unknown, so " +
                                     quiet_text + "; the file is replaced at the next save");
      } else if (past.recall == Recall::lost) {
        cb_.log(LogLevel::warn,
                cfg_.name + ": the state file " + cfg_.state_file +
                    " was saved before the machine last booted (or holds no bindings): keeping "
                    "term " +
                    std::to_string(past.state.term) + ", and " + quiet_text);
      }
    }
    // A restart must present a higher boot than the process it replaces, even if the wall
    // clock stepped back, so the kept boot is a floor.
    boot_ = std::max(wall_ns(), kept_boot + 1);
    return past;
  }

  /// Saves what the core asked for; false (said loudly, about once a second) if it could not.
  bool save_locked(const Now& now, const DurableState& state) {
    // Nothing is kept: the node started as one that lost its state, which is safe.
    if (cfg_.state_file.empty()) return true;
    std::string err;
    if (save_state(cfg_.state_file, state, boot_, machine_boot_id(), err)) {
      if (save_failing_) {
        cb_.log(LogLevel::info, cfg_.name + ": the state file " + cfg_.state_file +
                                    " is saved again; the node votes and may lead again");
      }
      save_failing_ = false;
      return true;
    }
    ++save_failures_;
    // The core asks again every heartbeat interval: one line per second is enough to be seen.
    if (!save_failing_ || now.mono - last_save_error_log_ >= std::chrono::seconds(1)) {
      last_save_error_log_ = now.mono;
      cb_.log(LogLevel::error,
              cfg_.name + ": cannot save the state file " + cfg_.state_file + " (" + err +
                  "): until a save succeeds this node neither votes, nor acknowledges a leader, "
                  "nor leads (" +
                  std::to_string(save_failures_) + " failed saves so far)");
    }
    save_failing_ = true;
    return false;
  }

  NodeConfig cfg_;
  NodeCallbacks cb_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::created;
  std::uint64_t boot_ = 0;
  bool save_failing_ = false;
  std::uint64_t save_failures_ = 0;
  Time last_save_error_log_{};
  Time started_at_{};
  std::optional<NodeCore> core_;
  std::unique_ptr<net::Transport> transport_;
  Dispatcher dispatcher_;
  std::uint64_t elections_finished_ = 0;
  std::uint64_t finished_with_leader_ = 0;
  /// Messages waiting for a pre-election hook to be handed over (flush_locked), in order; the
  /// latest hold, whose hand-over sends them; when they go anyway (CLOCK_MONOTONIC).
  std::vector<Outgoing> held_;
  bool holding_ = false;
  std::uint64_t hold_gen_ = 0;
  Time hold_end_ = kNever;
};

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
std::vector<NodeMember> Node::members() const {
  return impl_->members();
}
NodeStatus Node::status() const {
  return impl_->status();
}
TransportStats Node::stats() const {
  return impl_->stats();
}
const NodeConfig& Node::config() const {
  return impl_->config();
}

}  // namespace elector
