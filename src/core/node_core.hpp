// NodeCore: one node's whole protocol (membership + election) as a pure state machine.
//
// It takes inputs — a message, the passing of time, a command, the transport's "process gone" —
// each with the current monotonic instant, and answers with what to send, what to tell the
// application and which hooks to run (take_ready()) and when it next needs to be woken
// (next_wakeup()). It reads no clock, opens no socket, starts no thread and draws randomness only
// from the seed it was given, so a simulator replays it exactly and the daemon runs the very
// same code.
//
// Call order (as etcd-raft's Step/Tick/Ready):
//   NodeCore n(cfg, boot, seed, now); n.start(now);
//   loop: one of receive()/tick()/peer_gone()/elect()/clear_leader(), then take_ready(); if
//         the Ready has `save`, save it (durable.hpp) and call saved() before sending its
//         messages (dropping them all if the save failed); call tick() again no later than
//         next_wakeup();
//   n.stop(now); take_ready() one last time (it holds the handover and leave messages).
// `now` must never go backwards. Queries may be called at any time between inputs.
// Thread safety: none; one thread (or a lock held by the caller) drives a NodeCore.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/durable.hpp"
#include "core/election.hpp"
#include "core/membership.hpp"
#include "core/messages.hpp"
#include "core/rng.hpp"
#include "elector/config.hpp"
#include "elector/events.hpp"

namespace elector::core {

struct Ready {
  /// When set: save it durably before any of `messages` leaves, then report with saved().
  std::optional<DurableState> save;
  std::vector<Outgoing> messages;
  std::vector<Event> events;
  std::vector<HookRequest> hooks;
  [[nodiscard]] bool empty() const {
    return !save && messages.empty() && events.empty() && hooks.empty();
  }
};

struct MemberView {
  std::string name;
  std::string addr;
  MemberStatus status = MemberStatus::alive;
  std::int64_t priority = 0;
  bool candidate = true;
  bool settings_match = true;
  std::string control;
};

class NodeCore {
 public:
  /// `boot` must grow across restarts of the same node name (a restarted process supersedes the
  /// old one); `seed` feeds the node's own random generator. `cfg` must have passed validate().
  /// `past`: what the caller kept of the node's previous process (durable.hpp); a first start by
  /// default. `directory`: where member identities are stored, shared with other cores driven by
  /// the same thread (the simulator's); null for one of its own.
  NodeCore(const Config& cfg, std::uint64_t boot, std::uint64_t seed, Time now, Past past = {},
           std::shared_ptr<MemberDirectory> directory = nullptr);

  void start(Time now);
  void receive(Time now, const Envelope& env);
  void tick(Time now);
  /// The transport saw the connection to `name`'s process (boot `boot`, 0 = any) close.
  void peer_gone(Time now, const std::string& name, std::uint64_t boot);
  ElectOutcome elect(Time now);
  void clear_leader(Time now);
  /// Hands leadership over and tells the members this node leaves.
  void stop(Time now);
  /// The CPU time this process has used, for the runtime_* strategies.
  void set_runtime_ms(std::int64_t v);

  Ready take_ready();
  /// The outcome of saving the last Ready's `save` (false: its messages were not sent).
  void saved(Time now, bool ok);
  /// False from a failed save until one succeeds: the node neither votes nor leads meanwhile.
  [[nodiscard]] bool durable_ok() const { return election_.durable_ok(); }
  [[nodiscard]] Time next_wakeup() const;

  [[nodiscard]] const std::string& name() const { return cfg_.name; }
  [[nodiscard]] const std::string& addr() const { return cfg_.listen; }
  [[nodiscard]] std::uint64_t boot() const { return boot_; }
  [[nodiscard]] bool is_leader(Time now) const { return election_.is_leader(now); }
  [[nodiscard]] const std::optional<std::string>& leader() const { return election_.leader(); }
  [[nodiscard]] std::uint64_t term() const { return election_.term(); }
  /// What to keep across a restart (and pass back to the constructor).
  [[nodiscard]] std::uint64_t max_term() const { return election_.max_term(); }
  [[nodiscard]] Role role() const { return election_.role(); }
  [[nodiscard]] Time lease_end() const { return election_.lease_end(); }
  [[nodiscard]] bool quorum_met() const { return election_.quorum_met(membership_); }
  [[nodiscard]] std::vector<MemberView> members() const;
  [[nodiscard]] const Membership& membership() const { return membership_; }
  [[nodiscard]] const Election& election() const { return election_; }
  [[nodiscard]] const Config& config() const { return cfg_; }
  [[nodiscard]] std::uint64_t settings_hash() const { return settings_hash_; }

 private:
  void after(Time now);

  Config cfg_;
  std::uint64_t boot_;
  std::uint64_t settings_hash_;
  ElectionSettings settings_;
  Rng rng_;
  Membership membership_;
  Election election_;
  std::int64_t runtime_ms_ = 0;
  bool stopped_ = false;
  Outbox out_;
  Time last_now_{};  // the instant of the latest input
  /// Members that sent us another settings hash: our messages to them carry our settings.
  std::set<std::string> mismatched_;
  /// Members reported in a SettingsMismatch (once per name).
  std::set<std::string> mismatch_reported_;
  Ready ready_;
};

}  // namespace elector::core
