// elector::Node's implementation: the protocol core driven by the network transport and the
// clock (clocks.hpp says which clock is which).
//
// One mutex, mu_, guards everything below it. Inputs come from the transport's loop thread
// (messages, peer gone, timers: node_loop.cpp) and from API calls on any thread (node.cpp,
// node_status.cpp); each takes the lock, feeds the core with the current instant, and drains what
// the core produced (flush_locked): its state to the state file first (node_durable.cpp), then
// messages to the transport, events and hooks to the dispatcher thread (never run under the
// lock), and the next wake-up to the timer. Methods named *_locked expect mu_ held.
//
// Call order: start() once, stop() any number of times; the destructor stops.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/node_core.hpp"
#include "elector/node.hpp"
#include "net/transport.hpp"
#include "node/clocks.hpp"
#include "node/dispatcher.hpp"

namespace elector {

// Hidden, though nested in the exported Node: only the library calls it.
class __attribute__((visibility("hidden"))) Node::Impl {
 public:
  Impl(NodeConfig cfg, NodeCallbacks cb);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // The public API (node.hpp says what each does).
  void start();
  void stop();
  ElectResult elect();
  ElectSyncResult elect_sync(Duration timeout);
  void clear_leader();
  std::optional<std::string> leader() const;
  bool is_leader() const;
  std::uint64_t term() const;
  std::vector<NodeMember> members() const;
  NodeLeadership leadership() const;
  NodeStatus status() const;
  TransportStats stats() const;
  NodeConfig config() const;

 private:
  enum class State { created, running, stopped };

  // node_status.cpp
  std::vector<NodeMember> members_locked() const;

  // node_loop.cpp: the transport's inputs and what each step of the core produced.
  net::TransportHandlers handlers();
  /// The instant of a core input, after telling the core the CPU time used so far.
  Now input_now_locked();
  /// Hands what the core produced to the state file, the transport, the dispatcher and the timer.
  void flush_locked(const Now& now);
  /// Sends what waited for a pre-election hook.
  void release_held_locked();
  /// On the dispatcher thread, once the pre-election hooks of hold `gen` were handed over.
  void release_held(std::uint64_t gen);
  /// Queues the step's events and hooks for the dispatcher; true if an election finished with a
  /// leader (elect_sync waits for that).
  bool post_events_locked(const Now& now, core::Ready& r, std::uint64_t hold);
  /// On the dispatcher thread: the callbacks of one event.
  void deliver(Time at, const Event& e);

  // node_durable.cpp
  /// What the state file says of this node's past. Sets boot_.
  core::Past load_past();
  /// Saves what the core asked for; false (said loudly, about once a second) if it could not.
  bool save_locked(const Now& now, const core::DurableState& state);

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
  std::optional<core::NodeCore> core_;
  std::unique_ptr<net::Transport> transport_;
  Dispatcher dispatcher_;
  std::uint64_t elections_finished_ = 0;
  std::uint64_t finished_with_leader_ = 0;
  /// Messages waiting for a pre-election hook to be handed over (flush_locked), in order; the
  /// latest hold, whose hand-over sends them; when they go anyway (CLOCK_MONOTONIC).
  std::vector<core::Outgoing> held_;
  bool holding_ = false;
  std::uint64_t hold_gen_ = 0;
  Time hold_end_ = kNever;
  /// The leader this node follows as its events said, and the leader it last heard a heartbeat
  /// from and when (CLOCK_MONOTONIC): how long it took to notice that leader gone
  /// (NodeCallbacks::leader_loss_detected).
  std::optional<std::string> followed_;
  std::optional<std::string> heard_leader_;
  Time heard_leader_at_{};
};

}  // namespace elector
