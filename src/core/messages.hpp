// The messages nodes exchange. One struct per message; the wire encoding lives in the transport.
//
// Every message travels in an Envelope whose header says who sent it (name, address, boot, the
// sender's own membership record) and carries a few piggybacked membership updates (gossip).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "elector/events.hpp"
#include "elector/member_state.hpp"

namespace elector::core {

/// A member's state is the public MemberState; the wire carries its numeric value
/// (docs/wire.md), so its order is fixed.
using MemberStatus = MemberState;

/// What never changes during one boot of a node.
struct MemberMeta {
  std::int64_t priority = 0;
  bool candidate = true;
  std::uint64_t settings_hash = 0;
  std::string control;  // the member's control API address (for tools), opaque
  bool operator==(const MemberMeta&) const = default;
};

/// One member's state as gossiped (SWIM). Ordering: a higher `boot` always wins (a restarted
/// process); within a boot, the usual SWIM incarnation rules apply.
struct MemberUpdate {
  std::string name;
  std::string addr;
  std::uint64_t boot = 0;
  std::uint32_t incarnation = 0;
  MemberStatus status = MemberStatus::alive;
  MemberMeta meta;
  /// The member's age (ms) as estimated by the sender when it sent this; -1 unknown.
  std::int64_t age_ms = -1;
  /// Who declared a suspicion (Lifeguard counts independent confirmations).
  std::string from;
  /// With status dead: the member's process ended, as a transport saw (not a SWIM verdict, which
  /// can be wrong). A receiver treats it as its own `peer_gone` (design §3, §7).
  bool gone = false;
};

// ---- membership (SWIM with Lifeguard) ----
struct Ping {
  std::uint64_t seq = 0;
  std::string target;  // the name the sender believes it is pinging
};
struct Ack {
  std::uint64_t seq = 0;
};
struct Nack {
  std::uint64_t seq = 0;
};
struct PingReq {
  std::uint64_t seq = 0;
  std::string target;
  std::string target_addr;
};
/// Full-state exchange: a join (to a seed), anti-entropy, or a reconnect to a member thought dead.
struct PushPull {
  std::shared_ptr<const std::vector<MemberUpdate>> state;
  bool join = false;
  bool want_reply = false;
  // The sender's view of the leadership, so that a joiner does not start a needless campaign.
  std::string leader;
  std::uint64_t term = 0;
};
/// A member leaves gracefully (its header carries its own `left` record).
struct Leave {};
/// Carries piggybacked updates only: sent when there is news to spread faster than probes do.
struct Gossip {};

// ---- election ----
/// "Would you vote for me in `term`?" Changes nothing at the voter (PreVote).
struct PreVoteReq {
  std::uint64_t term = 0;
  /// How long the campaign waits for answers (0: the default, 3T). A voter that grants a real
  /// vote stays bound for longer than that (docs/design.md §7, claim 2).
  std::uint64_t campaign_ms = 0;
};
struct VoteReq {
  std::uint64_t term = 0;
  bool designated = false;        // named successor of a leader that handed over
  std::uint64_t campaign_ms = 0;  // as in PreVoteReq
};
struct VoteResp {
  std::uint64_t term = 0;
  bool pre = false;
  bool granted = false;
  Refusal reason = Refusal::none;
  /// When refused because of a promise to another leader: how long it still runs (ms).
  std::int64_t promise_left_ms = 0;
  std::string leader;  // the leader the voter supports, if any
};
struct Heartbeat {
  std::uint64_t term = 0;
  std::uint64_t seq = 0;
  /// Incremented by the leader each time it runs an election; followers see elections through it.
  std::uint64_t election_round = 0;
  /// Whether the leader needs this heartbeat acknowledged. Only a lease that needs other
  /// supporters (quorum_size > 1) does; with q = 1 followers answer only to refuse, which halves
  /// the idle traffic of a big cluster.
  bool want_ack = true;
  /// The members the leader heartbeats every T (its watchers: the best-ranked candidates and the
  /// supporters its lease needs). Empty: every member is a watcher. A member not named is *far*:
  /// it is heartbeated every `far_interval_ms` only, does not acknowledge, and promises nothing
  /// that the lease counts on (docs/design.md, "Near and far followers").
  std::vector<std::string> watchers = {};
  std::int64_t far_interval_ms = 0;
};
struct HeartbeatResp {
  std::uint64_t term = 0;
  std::uint64_t seq = 0;
  bool ok = false;
  /// Proof of life only: a member that does not probe answers a heartbeat that did not ask for
  /// an acknowledgement, once per half far interval, so that the leader can watch it (docs/
  /// design.md §3, "Probing delegated to the leader"). It promises nothing and never counts for
  /// the lease.
  bool alive_only = false;
};
/// The leader of `term` stops being leader; followers are released from their promise at once.
struct Resign {
  std::uint64_t term = 0;
  std::string successor;  // empty: none designated
  bool cleared = false;   // clear_leader(): no automatic election follows
};
/// A follower asks the leader to run an election (elect()) or to clear the leader.
struct ElectForward {
  bool clear = false;
};

using Body = std::variant<Ping, Ack, Nack, PingReq, PushPull, Leave, Gossip, PreVoteReq, VoteReq,
                          VoteResp, Heartbeat, HeartbeatResp, Resign, ElectForward>;

struct Header {
  MemberUpdate self;  // sender's own record (status alive, age_ms = its uptime)
  std::int64_t runtime_ms = 0;
  /// The highest term the sender knows: a restarted node learns it from its first contact.
  std::uint64_t term = 0;
  /// The sender's election settings, on messages to a member whose settings hash differs from
  /// the sender's and on joins: the receiver can say which settings differ and how. Others carry
  /// only the hash (self.meta), which is all agreeing members need.
  std::optional<ElectionSettings> settings;
};

struct Envelope {
  Header header;
  Body body;
  std::vector<MemberUpdate> gossip;
};

/// How a message travels. `datagram`: the protocol tolerates its loss (a later message or a
/// timeout covers for it), so the transport sends it over UDP when the sealed packet fits and
/// neither opens nor keeps a connection for it. `stream`: over a TCP connection, which the
/// receiver then also watches for the sender's process ending (docs/design.md §3, "Who holds a
/// connection to whom"). `both`: over the stream, and as a datagram too when it fits: a leader's
/// heartbeat to a watcher, whose receiver must learn of the sender's death but must not wait for
/// TCP to retransmit a lost segment (and the heartbeats queued behind it) to hear the leader
/// (docs/design.md §4, "Heartbeats and leader loss"). The receiver keeps the first copy.
enum class Route : std::uint8_t { stream, datagram, both };

/// The route of a message that its sender does not choose otherwise: SWIM's probes and gossip,
/// the campaign's requests and answers, and answers to heartbeats are datagrams; the rest goes
/// over a stream.
Route default_route(const Body& b);

struct Outgoing {
  std::string to_name;  // empty when sent to a seed address whose node is not known yet
  std::string to_addr;
  Envelope env;
  Route route = Route::stream;
};

const char* body_name(const Body& b);

}  // namespace elector::core
