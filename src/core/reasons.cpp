// Names and wire codes of the reasons a node reports (reasons.hpp).
#include "elector/reasons.hpp"

namespace elector {

const char* to_string(ElectionReason r) {
  switch (r) {
    case ElectionReason::startup:
      return "startup";
    case ElectionReason::member_joined:
      return "member_joined";
    case ElectionReason::member_left:
      return "member_left";
    case ElectionReason::member_failed:
      return "member_failed";
    case ElectionReason::better_candidate:
      return "better_candidate";
    case ElectionReason::leader_lost:
      return "leader_lost";
    case ElectionReason::leader_changed:
      return "leader_changed";
    case ElectionReason::leader_round:
      return "leader_round";
    case ElectionReason::leader_resigned:
      return "leader_resigned";
    case ElectionReason::handover:
      return "handover";
    case ElectionReason::handover_failed:
      return "handover_failed";
    case ElectionReason::higher_term:
      return "higher_term";
    case ElectionReason::requested:
      return "requested";
    case ElectionReason::cleared:
      return "cleared";
  }
  return "?";
}

const char* to_string(LossReason r) {
  switch (r) {
    case LossReason::lease_expired:
      return "lease_expired";
    case LossReason::handover:
      return "handover";
    case LossReason::stopped:
      return "stopped";
    case LossReason::higher_term:
      return "higher_term";
    case LossReason::cleared:
      return "cleared";
    case LossReason::unsaved:
      return "unsaved";
  }
  return "?";
}

const char* to_string(DownReason r) {
  switch (r) {
    case DownReason::failed:
      return "failed";
    case DownReason::left:
      return "left";
    case DownReason::restarted:
      return "restarted";
    case DownReason::process_gone:
      return "process_gone";
  }
  return "?";
}

const char* to_string(Refusal r) {
  switch (r) {
    case Refusal::none:
      return "none";
    case Refusal::settings_mismatch:
      return "settings_mismatch";
    case Refusal::not_candidate:
      return "not_candidate";
    case Refusal::not_member:
      return "not_member";
    case Refusal::restarting:
      return "restarting";
    case Refusal::unsaved:
      return "unsaved";
    case Refusal::better_candidate:
      return "better_candidate";
    case Refusal::leader:
      return "leader";
    case Refusal::promised:
      return "promised";
    case Refusal::leader_of_term:
      return "leader_of_term";
    case Refusal::already_voted:
      return "already_voted";
    case Refusal::stale_term:
      return "stale_term";
    case Refusal::unknown:
      return "unknown";
  }
  return "?";
}

const char* to_string(CampaignRound r) {
  switch (r) {
    case CampaignRound::pre:
      return "pre";
    case CampaignRound::vote:
      return "vote";
  }
  return "?";
}

const char* to_string(CampaignOutcome o) {
  switch (o) {
    case CampaignOutcome::won:
      return "won";
    case CampaignOutcome::refused:
      return "refused";
    case CampaignOutcome::timed_out:
      return "timed_out";
    case CampaignOutcome::abandoned:
      return "abandoned";
  }
  return "?";
}

std::optional<Refusal> refusal_of_code(std::uint64_t code) {
  if (code > static_cast<std::uint64_t>(Refusal::unknown)) return std::nullopt;
  return static_cast<Refusal>(code);
}

}  // namespace elector
