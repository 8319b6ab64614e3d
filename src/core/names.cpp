// Names of the core's messages, for logs and traces.
#include "core/messages.hpp"
#include "core/overloaded.hpp"

namespace elector::core {

const char* body_name(const Body& b) {
  return std::visit(
      Overloaded{[](const Ping&) { return "ping"; }, [](const Ack&) { return "ack"; },
                 [](const Nack&) { return "nack"; }, [](const PingReq&) { return "ping_req"; },
                 [](const PushPull&) { return "push_pull"; }, [](const Leave&) { return "leave"; },
                 [](const Gossip&) { return "gossip"; },
                 [](const PreVoteReq&) { return "pre_vote"; },
                 [](const VoteReq&) { return "vote"; }, [](const VoteResp&) { return "vote_resp"; },
                 [](const Heartbeat&) { return "heartbeat"; },
                 [](const HeartbeatResp&) { return "heartbeat_resp"; },
                 [](const Resign&) { return "resign"; },
                 [](const ElectForward&) { return "elect_forward"; }},
      b);
}

}  // namespace elector::core
