// Names of enum values and variant alternatives, for logs, events and status output.
#include "core/messages.hpp"
#include "elector/events.hpp"

namespace elector {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

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

const char* event_name(const Event& e) {
  return std::visit(Overloaded{[](const LeaderChanged&) { return "leader_changed"; },
                               [](const LeadershipAcquired&) { return "leadership_acquired"; },
                               [](const LeadershipLost&) { return "leadership_lost"; },
                               [](const ElectionStarted&) { return "election_started"; },
                               [](const ElectionFinished&) { return "election_finished"; },
                               [](const MemberUp&) { return "member_up"; },
                               [](const MemberDown&) { return "member_down"; },
                               [](const SettingsMismatch&) { return "settings_mismatch"; },
                               [](const AvailabilityMode&) { return "availability_mode"; }},
                    e);
}

}  // namespace elector
