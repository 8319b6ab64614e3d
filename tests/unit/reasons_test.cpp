// The reasons' names are part of the event log's contract (docs/electord.md): a rename breaks the
// programs that read it, so each name is pinned here.
#include "elector/reasons.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace elector {
namespace {

template <class E>
std::vector<std::string> names(E last) {
  std::vector<std::string> v;
  for (int i = 0; i <= static_cast<int>(last); ++i) v.emplace_back(to_string(static_cast<E>(i)));
  return v;
}

TEST(Reasons, NamesAreTheEventLogs) {
  EXPECT_EQ(names(ElectionReason::cleared),
            (std::vector<std::string>{"startup", "member_joined", "member_left", "member_failed",
                                      "better_candidate", "leader_lost", "leader_changed",
                                      "leader_round", "leader_resigned", "handover",
                                      "handover_failed", "higher_term", "requested", "cleared"}));
  EXPECT_EQ(names(LossReason::unsaved),
            (std::vector<std::string>{"lease_expired", "handover", "stopped", "higher_term",
                                      "cleared", "unsaved"}));
  EXPECT_EQ(names(DownReason::process_gone),
            (std::vector<std::string>{"failed", "left", "restarted", "process_gone"}));
  EXPECT_EQ(
      names(Refusal::unknown),
      (std::vector<std::string>{"none", "settings_mismatch", "not_candidate", "not_member",
                                "restarting", "unsaved", "better_candidate", "leader", "promised",
                                "leader_of_term", "already_voted", "stale_term", "unknown"}));
  EXPECT_EQ(names(CampaignRound::vote), (std::vector<std::string>{"pre", "vote"}));
  EXPECT_EQ(names(CampaignOutcome::abandoned),
            (std::vector<std::string>{"won", "refused", "timed_out", "abandoned"}));
}

TEST(Reasons, EveryWireCodeBackAndOnlyThose) {
  for (int code = 0; code <= static_cast<int>(Refusal::unknown); ++code) {
    ASSERT_TRUE(refusal_of_code(static_cast<std::uint64_t>(code)).has_value()) << code;
    EXPECT_EQ(static_cast<int>(*refusal_of_code(static_cast<std::uint64_t>(code))), code);
  }
  EXPECT_FALSE(refusal_of_code(static_cast<std::uint64_t>(Refusal::unknown) + 1).has_value());
  EXPECT_FALSE(refusal_of_code(~0ull).has_value());
}

}  // namespace
}  // namespace elector
