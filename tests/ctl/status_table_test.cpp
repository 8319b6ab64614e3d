#include "ctl/status_table.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace elector::ctl {
namespace {

// A /v1/status answer as docs/control-api.md shows it, with the fields a test varies.
StatusInfo status_fixture(const std::string& name, int priority, const char* leader,
                          std::uint64_t term, const std::string& hash = "9f3c0a1b2c3d4e5f",
                          bool quorum_met = true) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "name": "box2", "listen": "127.0.0.1:7002", "control": "127.0.0.1:17002",
    "leader": "box1", "term": 7, "is_leader": false, "role": "follower",
    "lease_left_ms": 0, "quorum_size": 1, "quorum_met": true,
    "strategy": "priority", "priority": 2, "candidate": true,
    "settings_hash": "9f3c0a1b2c3d4e5f", "settings_mismatch": [],
    "members": {"alive": 5, "suspect": 0, "dead": 0, "left": 0},
    "elections": 3, "uptime_ms": 81234, "pid": 4242
  })");
  j["name"] = name;
  j["priority"] = priority;
  j["leader"] = leader ? nlohmann::json(leader) : nlohmann::json(nullptr);
  j["term"] = term;
  j["settings_hash"] = hash;
  j["quorum_met"] = quorum_met;
  return decode_status(j);
}

Probe answered(const std::string& name, int priority, const char* leader, std::uint64_t term,
               const std::string& hash = "9f3c0a1b2c3d4e5f", bool quorum_met = true) {
  Probe p;
  p.name = name;
  p.priority = priority;
  p.state = ProbeState::answered;
  p.status = status_fixture(name, priority, leader, term, hash, quorum_met);
  return p;
}

Probe unanswered(const std::string& name, int priority, ProbeState state) {
  Probe p;
  p.name = name;
  p.priority = priority;
  p.state = state;
  return p;
}

TEST(StatusTable, AllAgreeRendersKingsDebugTable) {
  std::vector<Probe> probes;
  for (int k = 1; k <= 5; ++k) probes.push_back(answered("box" + std::to_string(k), k, "box1", 7));
  const auto report = build_status_report(probes);
  EXPECT_EQ(report.agreed_leader, "box1");
  EXPECT_EQ(render_status_report(report),
            "NAME  PRIORITY  LEADER  TERM  STATUS\n"
            "box1  1         box1    7     ok\n"
            "box2  2         box1    7     ok\n"
            "box3  3         box1    7     ok\n"
            "box4  4         box1    7     ok\n"
            "box5  5         box1    7     ok\n"
            "5 members, 5 ok, leader box1 (agreed by 5)\n");
}

TEST(StatusTable, DeadAndFrozenRowsHaveNoLeaderOrTerm) {
  const std::vector<Probe> probes = {unanswered("box1", 1, ProbeState::dead),
                                     answered("box2", 2, "box2", 8), answered("box3", 3, "box2", 8),
                                     unanswered("box4", 4, ProbeState::frozen),
                                     answered("box10", 10, "box2", 8)};
  const auto report = build_status_report(probes);
  EXPECT_EQ(render_status_report(report),
            "NAME   PRIORITY  LEADER  TERM  STATUS\n"
            "box1   1         -       -     dead\n"
            "box2   2         box2    8     ok\n"
            "box3   3         box2    8     ok\n"
            "box4   4         -       -     frozen\n"
            "box10  10        box2    8     ok\n"
            "5 members, 3 ok, 1 frozen, 1 dead, leader box2 (agreed by 3)\n");
  EXPECT_EQ(report.agreed_leader, "box2");
}

TEST(StatusTable, DisagreementIsShownPerRowAndInTheSummary) {
  const std::vector<Probe> probes = {answered("box1", 1, "box1", 9), answered("box2", 2, "box1", 9),
                                     answered("box3", 3, "box1", 9), answered("box4", 4, "box4", 8),
                                     answered("box5", 5, nullptr, 9)};
  const auto report = build_status_report(probes);
  EXPECT_FALSE(report.agreed_leader);
  ASSERT_EQ(report.rows.size(), 5u);
  EXPECT_EQ(report.rows[0].status, "ok");
  EXPECT_EQ(report.rows[3].status, "disagree");
  EXPECT_EQ(report.rows[3].leader, "box4");
  EXPECT_EQ(report.rows[4].status, "no-leader");
  EXPECT_EQ(report.rows[4].leader, "none");
  EXPECT_EQ(report.summary,
            "5 members, 3 ok, 1 no-leader, 1 disagree, no agreement: box1 (3), box4 (1), none (1)");
}

TEST(StatusTable, ManyLeadersAreSummarizedByTheMostSeen) {
  std::vector<Probe> probes;
  for (int k = 1; k <= 3; ++k) probes.push_back(answered("box" + std::to_string(k), k, nullptr, 1));
  for (int k = 4; k <= 10; ++k) {
    const std::string name = "box" + std::to_string(k);
    probes.push_back(answered(name, k, name.c_str(), 1));
  }
  EXPECT_EQ(
      build_status_report(probes).summary,
      "10 members, 0 ok, 3 no-leader, 7 disagree, no agreement: none (3), box4 (1), box5 (1), "
      "box6 (1), box7 (1) and 3 more");
}

TEST(StatusTable, SettingsThatDifferFromTheClusterAreAMismatch) {
  const std::vector<Probe> probes = {answered("box1", 1, "box1", 3),
                                     answered("box2", 2, "box1", 3, "0000000000000000"),
                                     answered("box3", 3, "box1", 3)};
  const auto report = build_status_report(probes);
  EXPECT_EQ(report.rows[0].status, "ok");
  EXPECT_EQ(report.rows[1].status, "mismatch");
  EXPECT_EQ(report.rows[2].status, "ok");
  EXPECT_EQ(report.summary, "3 members, 2 ok, 1 mismatch, leader box1 (agreed by 3)");
}

TEST(StatusTable, ATieBetweenSettingsFlagsBothSides) {
  const std::vector<Probe> probes = {answered("box1", 1, "box1", 3, "aaaa"),
                                     answered("box2", 2, "box1", 3, "bbbb")};
  const auto report = build_status_report(probes);
  EXPECT_EQ(report.rows[0].status, "mismatch");
  EXPECT_EQ(report.rows[1].status, "mismatch");
}

TEST(StatusTable, QuorumNotMetIsReported) {
  const std::vector<Probe> probes = {answered("box1", 1, nullptr, 3, "h", false),
                                     unanswered("box2", 2, ProbeState::dead),
                                     unanswered("box3", 3, ProbeState::dead)};
  const auto report = build_status_report(probes);
  EXPECT_EQ(report.rows[0].status, "no-quorum");
  EXPECT_EQ(report.summary, "3 members, 0 ok, 1 no-quorum, 2 dead, no leader");
}

TEST(StatusTable, NobodyAnswering) {
  const std::vector<Probe> probes = {unanswered("box1", 1, ProbeState::dead),
                                     unanswered("box2", 2, ProbeState::left)};
  const auto report = build_status_report(probes);
  EXPECT_EQ(report.summary, "2 members, 0 ok, 1 dead, 1 left, no member answers");
  EXPECT_FALSE(report.agreed_leader);
}

TEST(StatusTable, PriorityComesFromTheNodeWhenItAnswers) {
  auto p = answered("box7", 7, "box7", 1);
  p.priority = std::nullopt;  // unknown to the asker
  Probe silent = unanswered("box8", 0, ProbeState::no_api);
  silent.priority = std::nullopt;
  const auto report = build_status_report({p, silent});
  EXPECT_EQ(report.rows[0].priority, "7");
  EXPECT_EQ(report.rows[1].priority, "-");
  EXPECT_EQ(report.rows[1].status, "no-api");
  EXPECT_EQ(report.summary, "2 members, 1 ok, 1 no-api, leader box7 (agreed by 1)");
}

TEST(StatusTable, OneMemberIsSingular) {
  const auto report = build_status_report({answered("box1", 1, "box1", 1)});
  EXPECT_EQ(report.summary, "1 member, 1 ok, leader box1 (agreed by 1)");
}

}  // namespace
}  // namespace elector::ctl
