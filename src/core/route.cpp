// Which messages may be lost: they travel as datagrams (docs/design.md §3, "Who holds a connection
// to whom").
#include <variant>

#include "core/messages.hpp"

namespace elector::core {

Route default_route(const Body& b) {
  // SWIM's probes and gossip are loss-tolerant by design. A campaign's requests and answers are
  // too: a candidate short of votes asks the others, or fails and campaigns again. Sending them
  // without a connection is what keeps a leader's death from waking every member (§3). So are a
  // heartbeat's answers: the lease counts the last few, and one held up behind a TCP
  // retransmission would count for less than a later one that got through.
  const bool datagram = std::holds_alternative<Ping>(b) || std::holds_alternative<Ack>(b) ||
                        std::holds_alternative<Nack>(b) || std::holds_alternative<PingReq>(b) ||
                        std::holds_alternative<Gossip>(b) ||
                        std::holds_alternative<PreVoteReq>(b) ||
                        std::holds_alternative<VoteReq>(b) || std::holds_alternative<VoteResp>(b) ||
                        std::holds_alternative<HeartbeatResp>(b);
  return datagram ? Route::datagram : Route::stream;
}

}  // namespace elector::core
