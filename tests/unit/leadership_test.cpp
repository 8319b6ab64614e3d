// One term of leading, alone: what counts towards the lease, which process supports, how
// watchers are remembered, and when a leadership that ends is said to have ended.
#include "core/leadership.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace elector {
namespace {

Time at(int ms_) {
  return Time(ms(ms_));
}

constexpr Duration kLease = ms(350);

/// Every process named here is up; any other is not.
core::Leadership::ProcessUp up(std::map<std::string, std::uint64_t> boots) {
  return [boots = std::move(boots)](const std::string& name, std::uint64_t boot) {
    const auto it = boots.find(name);
    return it != boots.end() && it->second == boot;
  };
}

core::VoteTally granted(const std::map<std::string, std::uint64_t>& voters) {
  core::VoteTally t(voters.size() + 1);
  for (const auto& [name, boot] : voters) t.grant(name, boot);
  return t;
}

TEST(Leadership, AWonCampaignCountsItsVotersFromWhenItsRequestsLeft) {
  // q = 3: the leader and two voters, all counted from 100 ms.
  core::Leadership l = core::Leadership::won(at(120), at(100), granted({{"b", 1}, {"c", 1}}));
  l.settle_lease(at(120), 3, kLease, up({{"b", 1}, {"c", 1}}));
  EXPECT_EQ(l.lease_end(), at(450));
  // One voter restarted since it voted: only two supporters remain, and q = 3 is out of reach.
  core::Leadership m = core::Leadership::won(at(120), at(100), granted({{"b", 1}, {"c", 1}}));
  m.settle_lease(at(120), 3, kLease, up({{"b", 1}, {"c", 2}}));
  EXPECT_EQ(m.lease_end(), Time{}) << "a lease out of reach from the start is never held";
}

TEST(Leadership, AcknowledgementsCountFromTheirHeartbeatsSendTime) {
  struct Case {
    const char* what;
    std::uint64_t acked_seq;
    std::uint64_t boot;
    int want_ms;  // -1: never held (fewer than q supporters)
  };
  const std::vector<Case> cases = {
      {"the latest heartbeat", 2, 1, 550},
      {"an older heartbeat counts from its own send", 1, 1, 450},
      {"an unknown sequence number counts nothing", 9, 1, -1},
      {"a process that is not up counts nothing", 2, 7, -1},
  };
  for (const auto& c : cases) {
    core::Leadership l = core::Leadership::won(at(0), at(0), granted({}));
    l.heartbeat_sent(at(100), 1, ms(100));
    l.heartbeat_sent(at(200), 2, ms(100));
    l.acknowledged("b", c.boot, c.acked_seq);
    // q = 2: the leader (its latest heartbeat, 200 + 350) and b.
    l.settle_lease(at(210), 2, kLease, up({{"b", 1}}));
    EXPECT_EQ(l.lease_end(), c.want_ms < 0 ? Time{} : at(c.want_ms)) << c.what;
    EXPECT_EQ(l.next_heartbeat(), at(300)) << c.what;
  }
}

TEST(Leadership, AnOlderAcknowledgementNeverMovesSupportBack) {
  core::Leadership l = core::Leadership::won(at(0), at(0), granted({}));
  l.heartbeat_sent(at(100), 1, ms(100));
  l.heartbeat_sent(at(200), 2, ms(100));
  l.acknowledged("b", 1, 2);
  l.acknowledged("b", 1, 1);  // late, reordered
  l.settle_lease(at(210), 2, kLease, up({{"b", 1}}));
  EXPECT_EQ(l.lease_end(), at(550));
  // A new process of b replaces the old one's support, even with an older heartbeat: the lease
  // is what the new process supports, and once past, it ends when it stood to end.
  l.acknowledged("b", 2, 1);
  l.settle_lease(at(220), 2, kLease, up({{"b", 2}}));
  EXPECT_EQ(l.lease_end(), at(450));
  l.settle_lease(at(460), 2, kLease, up({{"b", 2}}));
  EXPECT_EQ(l.lease_end(), at(450));
}

TEST(Leadership, OnlyTheLast16HeartbeatsAreRemembered) {
  core::Leadership l = core::Leadership::won(at(0), at(0), granted({}));
  for (std::uint64_t seq = 1; seq <= 17; ++seq) {
    l.heartbeat_sent(at(static_cast<int>(seq) * 10), seq, ms(10));
  }
  l.acknowledged("b", 1, 1);  // forgotten: counts nothing
  l.settle_lease(at(175), 2, kLease, up({{"b", 1}}));
  EXPECT_EQ(l.lease_end(), Time{});
  l.acknowledged("b", 1, 2);  // the oldest kept
  l.settle_lease(at(176), 2, kLease, up({{"b", 1}}));
  EXPECT_EQ(l.lease_end(), at(20 + 350));
}

TEST(Leadership, ForgettingAProcessTakesItsSupportOnlyForThatBoot) {
  struct Case {
    const char* what;
    std::uint64_t boot;
    bool forgotten;
  };
  const std::vector<Case> cases = {
      {"the process that answered", 1, true},
      {"any process (boot 0)", 0, true},
      {"another process of the same member", 2, false},
  };
  for (const auto& c : cases) {
    core::Leadership l = core::Leadership::won(at(0), at(0), granted({{"b", 1}}));
    EXPECT_EQ(l.forget("b", c.boot), c.forgotten) << c.what;
    EXPECT_FALSE(l.forget("b", c.boot)) << c.what << ": nothing left to forget";
    EXPECT_FALSE(l.forget("x", 0)) << c.what;
  }
}

TEST(Leadership, SupportersRankByWhetherTheirSupportStillCounts) {
  core::Leadership l = core::Leadership::won(at(0), at(0), granted({{"acked", 1}}));
  l.set_watchers({"w", "fresh", "stale"}, 1, 10, at(0));
  l.set_watchers({"w", "fresh", "stale"}, 1, 10, at(300));  // "fresh" and "stale" keep at(0)
  l.set_watchers({"w", "fresh", "stale", "new"}, 1, 10, at(300));
  struct Case {
    const char* name;
    int now_ms;
    int want;
  };
  const std::vector<Case> cases = {
      {"acked", 100, 0},  // its vote counts until 350
      {"acked", 400, 2},  // no longer, and never chosen as a supporter
      {"new", 400, 1},    // chosen 100 ms ago
      {"stale", 400, 3},  // chosen 400 ms ago, silent since
      {"w", 400, 2},      // a candidate watcher, not a supporter: never timed
      {"other", 400, 2},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(l.supporter_rank(c.name, at(c.now_ms), kLease), c.want)
        << c.name << " at " << c.now_ms;
  }
  // A supporter dropped from the list is forgotten: chosen again, it starts afresh.
  l.set_watchers({"w"}, 1, 10, at(400));
  l.set_watchers({"w", "stale"}, 1, 10, at(500));
  EXPECT_EQ(l.supporter_rank("stale", at(600), kLease), 1);
}

TEST(Leadership, WatchersAreSortedAndNoneWhenEveryMemberIsOne) {
  core::Leadership l = core::Leadership::won(at(0), at(0), granted({}));
  l.set_watchers({"d", "b", "c"}, 3, 4, at(0));
  EXPECT_EQ(l.watchers(), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(l.take_watchers(), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_TRUE(l.watchers().empty());
  l.set_watchers({"d", "b", "c"}, 3, 3, at(0));
  EXPECT_TRUE(l.watchers().empty()) << "three chosen of three up: every member is heartbeated";
}

TEST(Leadership, ALostLeadershipEndsNoLaterThanItsLeaseAndNoEarlierThanItBegan) {
  core::Leadership l = core::Leadership::won(at(100), at(50), granted({}));
  l.settle_lease(at(100), 1, kLease, up({}));  // 50 + 350
  ASSERT_EQ(l.lease_end(), at(400));
  struct Case {
    const char* what;
    int effective_ms;
    int now_ms;
    int want_ms;
  };
  const std::vector<Case> cases = {
      {"a cause that took effect now", 300, 300, 300},
      {"a cause that took effect earlier", 200, 300, 200},
      {"noticed after the lease ran out", 500, 500, 400},
      {"a cause from before it began", 20, 300, 100},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(l.lost_at(at(c.effective_ms), at(c.now_ms)), at(c.want_ms)) << c.what;
  }
}

}  // namespace
}  // namespace elector
