// What the public event header (elector/events.hpp) declares beside its types: the events'
// names and the comparison of two members' election settings.
#include <variant>

#include "core/overloaded.hpp"
#include "elector/events.hpp"

namespace elector {

const char* event_name(const Event& e) {
  return std::visit(
      core::Overloaded{[](const LeaderChanged&) { return "leader_changed"; },
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

std::vector<ElectionSetting> differences(const ElectionSettings& a, const ElectionSettings& b) {
  std::vector<ElectionSetting> d;
  if (a.strategy != b.strategy) d.push_back(ElectionSetting::strategy);
  if (a.quorum_size != b.quorum_size) d.push_back(ElectionSetting::quorum_size);
  if (a.election_delay != b.election_delay) d.push_back(ElectionSetting::election_delay);
  if (a.heartbeat_interval != b.heartbeat_interval)
    d.push_back(ElectionSetting::heartbeat_interval);
  if (a.hooks_execution != b.hooks_execution) d.push_back(ElectionSetting::hooks_execution);
  if (a.automatic_elections != b.automatic_elections) {
    d.push_back(ElectionSetting::automatic_elections);
  }
  return d;
}

}  // namespace elector
