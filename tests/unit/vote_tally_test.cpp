// The vote count of one campaign round as a table: when it is won, and how many votes it can
// still reach.
#include "core/vote_tally.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace elector {
namespace {

struct Step {
  enum Kind { ask, grant, refuse, forget, need } kind;
  std::string voter;
  std::uint64_t n = 0;  // boot for grant and forget; q for need
};

struct TallyCase {
  const char* what;
  std::size_t needed;
  std::vector<Step> steps;
  bool won;
  std::size_t reachable;
};

TEST(VoteTally, WonAndReachable) {
  using K = Step::Kind;
  const std::vector<TallyCase> cases = {
      {"alone, needing one: won at once", 1, {}, true, 1},
      {"needing two, nobody asked", 2, {}, false, 1},
      {"needing two, one asked and open", 2, {{K::ask, "b"}}, false, 2},
      {"needing two, one grant", 2, {{K::ask, "b"}, {K::grant, "b", 1}}, true, 2},
      {"a refusal closes an open vote",
       3,
       {{K::ask, "b"}, {K::ask, "c"}, {K::refuse, "c"}},
       false,
       2},
      {"three of five",
       3,
       {{K::ask, "b"},
        {K::ask, "c"},
        {K::ask, "d"},
        {K::ask, "e"},
        {K::grant, "b", 1},
        {K::grant, "d", 1}},
       true,
       5},
      {"a grant counts once per voter",
       3,
       {{K::ask, "b"}, {K::grant, "b", 1}, {K::grant, "b", 1}},
       false,
       2},
      {"a gone process's vote is forgotten (and open again until it is refused)",
       2,
       {{K::ask, "b"}, {K::grant, "b", 7}, {K::forget, "b", 7}},
       false,
       2},
      {"another process's going leaves the vote",
       2,
       {{K::ask, "b"}, {K::grant, "b", 7}, {K::forget, "b", 6}},
       true,
       2},
      {"forget with boot 0: any process",
       2,
       {{K::ask, "b"}, {K::grant, "b", 7}, {K::forget, "b", 0}},
       false,
       2},
      {"the cluster grew: the quorum of now",
       2,
       {{K::ask, "b"}, {K::ask, "c"}, {K::grant, "b", 1}, {K::need, "", 3}},
       false,
       3},
      {"need never lowers", 3, {{K::ask, "b"}, {K::grant, "b", 1}, {K::need, "", 2}}, false, 2},
      {"a member that went down unasked does not go below zero open",
       2,
       {{K::refuse, "x"}},
       false,
       1},
  };
  for (const auto& c : cases) {
    core::VoteTally t(c.needed);
    for (const auto& s : c.steps) {
      switch (s.kind) {
        case K::ask:
          t.asked();
          break;
        case K::grant:
          t.grant(s.voter, s.n);
          break;
        case K::refuse:
          t.refuse(s.voter);
          break;
        case K::forget:
          t.forget(s.voter, s.n);
          break;
        case K::need:
          t.need_at_least(s.n);
          break;
      }
    }
    EXPECT_EQ(t.won(), c.won) << c.what;
    EXPECT_EQ(t.reachable(), c.reachable) << c.what;
  }
}

TEST(VoteTally, GrantedNamesTheProcesses) {
  core::VoteTally t(3);
  t.grant("b", 4);
  t.grant("c", 9);
  EXPECT_TRUE(t.granted_by("b"));
  EXPECT_FALSE(t.granted_by("d"));
  EXPECT_EQ(t.granted(), (std::map<std::string, std::uint64_t>{{"b", 4}, {"c", 9}}));
}

}  // namespace
}  // namespace elector
