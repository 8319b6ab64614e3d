#include "daemon/probes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/api_fixture.hpp"

namespace elector::daemon {
namespace {

using nlohmann::json;
using testing::ApiTest;

/// A node that sees `up` of the `quorum` members it needs, itself included.
void set_members(testing::FakeBackend& b, std::size_t up, std::size_t quorum) {
  const std::lock_guard lock(b.mu);
  b.node_status.quorum = quorum;
  b.node_status.quorum_met = up >= quorum;
  b.node_status.members_by_status = {{elector::MemberState::alive, up},
                                     {elector::MemberState::dead, 1}};
}

TEST_F(ApiTest, HealthzAnswersWhileServing) {
  auto c = client();
  const auto r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"status", "ok"}}));
  const auto h = c.Head("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
  const auto p = c.Post("/healthz");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 405);
}

TEST_F(ApiTest, ReadyOnceJoinedWithMatchingSettings) {
  set_members(backend, 3, 2);
  auto c = client();
  const auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r),
            (json{{"status", "ready"}, {"checks", {{"joined", "ok"}, {"settings", "ok"}}}}));
  const auto h = c.Head("/readyz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
}

TEST_F(ApiTest, NotReadyBeforeJoining) {
  set_members(backend, 1, 2);
  auto c = client();
  const auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  const auto b = body(r);
  EXPECT_EQ(b.at("status"), "not_ready");
  EXPECT_EQ(b.at("failed"), (json{"joined"}));
  EXPECT_EQ(b.at("checks"), (json{{"joined", "failed"}, {"settings", "ok"}}));
  EXPECT_EQ(b.at("error"),
            "not joined: sees 1 member(s) up, itself included, of the 2 a quorum needs");
  const auto h = c.Head("/readyz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);
}

TEST_F(ApiTest, NotReadyWithASettingsMismatch) {
  set_members(backend, 3, 2);
  {
    const std::lock_guard lock(backend.mu);
    backend.node_status.settings_mismatch = {"box3", "box4"};
  }
  auto c = client();
  const auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  const auto b = body(r);
  EXPECT_EQ(b.at("failed"), (json{"settings"}));
  EXPECT_EQ(b.at("checks"), (json{{"joined", "ok"}, {"settings", "failed"}}));
  EXPECT_EQ(b.at("error"), "election settings differ from those of box3, box4");
}

TEST_F(ApiTest, LeaderRoleIsReadyOnlyWithTheLease) {
  set_members(backend, 3, 2);
  backend.set_leader("box1", 7, false);
  auto c = client();
  auto r = c.Get("/readyz?role=leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body(r).at("failed"), (json{"leader"}));
  EXPECT_EQ(body(r).at("error"), "this node does not hold the lease (leader: box1, term 7)");
  auto h = c.Head("/readyz?role=leader");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);

  backend.set_leader("box2", 8, true, std::chrono::milliseconds(380));
  r = c.Get("/readyz?role=leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"status", "ready"},
                           {"checks", {{"leader", "ok"}}},
                           {"term", 8},
                           {"lease_left_ms", 380}}));
  h = c.Head("/readyz?role=leader");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);

  // Leading does not depend on the readiness checks, nor they on leading.
  set_members(backend, 1, 2);
  r = c.Get("/readyz?role=leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ApiTest, UnknownRoleIs400) {
  auto c = client();
  for (const char* target : {"/readyz?role=follower", "/readyz?role="}) {
    const auto r = c.Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_NE(body(r).at("error").get<std::string>().find("role"), std::string::npos);
  }
}

TEST(Probes, ReadinessListsEveryFailedCheck) {
  elector::NodeStatus st;
  st.quorum = 3;
  st.quorum_met = false;
  st.members_by_status = {{elector::MemberState::alive, 1}, {elector::MemberState::suspect, 1}};
  st.settings_mismatch = {"box9"};
  const auto a = readiness(st);
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.body.at("failed").dump(), R"(["joined","settings"])");
  EXPECT_EQ(a.body.at("error"),
            "not joined: sees 2 member(s) up, itself included, of the 3 a quorum needs; election "
            "settings differ from those of box9");
}

}  // namespace
}  // namespace elector::daemon
