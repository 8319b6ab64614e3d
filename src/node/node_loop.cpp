// Node::Impl's event loop: the inputs of the transport's loop thread (messages, peers gone,
// timers), and how each step of the core is drained (node_impl.hpp).
#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "node/node_impl.hpp"

namespace elector {

net::TransportHandlers Node::Impl::handlers() {
  net::TransportHandlers h;
  h.on_log = cb_.log;
  h.on_message = [this](core::Envelope&& env) {
    std::lock_guard g(mu_);
    if (state_ != State::running) return;
    const Now now = input_now_locked();
    core_->receive(now.core, env);
    if (std::holds_alternative<core::Heartbeat>(env.body) &&
        core_->leader() == env.header.self.name) {
      heard_leader_ = env.header.self.name;
      heard_leader_at_ = now.mono;
    }
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
  return h;
}

/// The instant of a core input, after telling the core the CPU time used so far: every message
/// of the step carries it (Header::runtime_ms), and the runtime_* strategies rank a member on
/// the value of its latest message (docs/design.md §5). Read on the timer alone, it was as old
/// as the last timer, which messages keep putting off: up to a push-pull interval.
Now Node::Impl::input_now_locked() {
  core_->set_runtime_ms(cpu_ms());
  return Now::read();
}

/// Hands what the core produced to the state file, the transport, the dispatcher and the timer.
void Node::Impl::flush_locked(const Now& now) {
  bool wake = false;
  // A save's outcome is an input of the core, which may answer it (a leader that cannot save
  // steps down and resigns): drain until a step asks for no save. The core asks again only a
  // heartbeat interval after a failure, so this ends after the second round.
  for (int round = 0; round < 4; ++round) {
    core::Ready r = core_->take_ready();
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
void Node::Impl::release_held_locked() {
  holding_ = false;
  hold_end_ = kNever;
  for (auto& m : held_) transport_->send(std::move(m));
  held_.clear();
}

/// On the dispatcher thread, once the pre-election hooks of hold `gen` were handed over. A
/// later hold (a newer election's hook, queued behind this one) keeps everything waiting.
void Node::Impl::release_held(std::uint64_t gen) {
  std::lock_guard g(mu_);
  if (state_ == State::running && holding_ && gen == hold_gen_) release_held_locked();
}

/// Queues the step's events and hooks for the dispatcher; true if an election finished with a
/// leader (elect_sync waits for that). `hold` (0: none): the hold the step's pre-election hooks
/// end once handed over.
bool Node::Impl::post_events_locked(const Now& now, core::Ready& r, std::uint64_t hold) {
  bool wake = false;
  bool dropped_heard_leader = false;
  bool leader_lost = false;
  for (auto& e : r.events) {
    if (const auto* lc = std::get_if<LeaderChanged>(&e)) {
      dropped_heard_leader =
          dropped_heard_leader || (!lc->leader && followed_ && followed_ == heard_leader_);
      followed_ = lc->leader;
    } else if (const auto* es = std::get_if<ElectionStarted>(&e)) {
      leader_lost = leader_lost || es->reason == ElectionReason::leader_lost;
    } else if (const auto* f = std::get_if<ElectionFinished>(&e)) {
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
  // A follower that gave up the leader it heard (its heartbeats stopped, or its process ended):
  // how long since the last heartbeat, as seen from here.
  std::optional<Duration> loss_detected;
  if (dropped_heard_leader && leader_lost) {
    loss_detected = now.mono - heard_leader_at_;
    heard_leader_.reset();
  }
  // One task per step, not one per event: a step often yields several events (a crashed
  // leader's follower reports member_down, leader_changed and election_started at once), and
  // each task posted would wake the event thread, a context switch, on its own.
  if (!r.events.empty() || !r.hooks.empty()) {
    dispatcher_.post([this, at = now.mono, hold, loss_detected, evs = std::move(r.events),
                      hooks = std::move(r.hooks)] {
      for (const auto& ev : evs) deliver(at, ev);
      if (loss_detected && cb_.leader_loss_detected) cb_.leader_loss_detected(*loss_detected);
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
void Node::Impl::deliver(Time at, const Event& e) {
  if (cb_.event) cb_.event(at, e);
  if (const auto* lc = std::get_if<LeaderChanged>(&e)) {
    if (cb_.leader_changed) cb_.leader_changed(lc->leader, lc->term);
  } else if (const auto* la = std::get_if<LeadershipAcquired>(&e)) {
    if (cb_.elected) cb_.elected(la->term);
  } else if (const auto* ll = std::get_if<LeadershipLost>(&e)) {
    if (cb_.demoted) cb_.demoted(ll->term, to_string(ll->reason));
  }
}

}  // namespace elector
