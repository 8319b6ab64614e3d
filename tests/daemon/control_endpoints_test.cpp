// What each endpoint of the control API answers (/v1/leader, /v1/status, /v1/members, /v1/elect,
// /v1/clear-leader): the JSON the node's state turns into, the status codes, and the answers to
// an unknown path or a wrong method.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

TEST_F(ControlServerTest, Leader) {
  backend.leader_view = {"box1", 7, false};
  auto c = client();
  auto r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(body(r),
            (json{{"leader", "box1"}, {"term", 7}, {"is_leader", false}, {"lease_left_ms", 0}}));

  backend.leader_view = {std::nullopt, 8, false};
  r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r),
            (json{{"leader", nullptr}, {"term", 8}, {"is_leader", false}, {"lease_left_ms", 0}}));

  // The time left on the lease travels in whole milliseconds, rounded down.
  backend.leader_view = {"box1", 9, true, std::chrono::microseconds(1'234'999)};
  r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r),
            (json{{"leader", "box1"}, {"term", 9}, {"is_leader", true}, {"lease_left_ms", 1234}}));
}

TEST_F(ControlServerTest, Status) {
  auto& s = backend.node_status;
  s.name = "box2";
  s.listen = "127.0.0.1:7002";
  s.leader = "box1";
  s.term = 7;
  s.is_leader = false;
  s.role = elector::NodeRole::follower;
  s.lease_left = elector::ms(0);
  s.quorum_met = true;
  s.quorum_size = 1;
  s.strategy = "priority";
  s.priority = 2;
  s.candidate = true;
  s.settings_hash = 0x9f3c0a1b2c3d4e5fULL;
  s.settings_mismatch = {"box9"};
  s.members_by_status = {{elector::MemberState::alive, 5}};
  s.elections = 3;
  s.uptime = elector::ms(81234);
  s.state_file = "/var/lib/elector/box2.state";
  s.state_saved = false;
  s.state_save_failures = 4;
  auto c = client();
  const auto r = c.Get("/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json expected = {{"name", "box2"},
                         {"listen", "127.0.0.1:7002"},
                         {"control", "127.0.0.1:" + std::to_string(server->port())},
                         {"leader", "box1"},
                         {"term", 7},
                         {"is_leader", false},
                         {"role", "follower"},
                         {"lease_left_ms", 0},
                         {"quorum_size", 1},
                         {"quorum", 1},
                         {"cluster_size", 1},
                         {"availability_mode", false},
                         {"quorum_met", true},
                         {"strategy", "priority"},
                         {"priority", 2},
                         {"candidate", true},
                         {"settings_hash", "9f3c0a1b2c3d4e5f"},
                         {"settings_mismatch", {"box9"}},
                         {"members", {{"alive", 5}, {"suspect", 0}, {"dead", 0}, {"left", 0}}},
                         {"elections", 3},
                         {"uptime_ms", 81234},
                         {"state_file", "/var/lib/elector/box2.state"},
                         {"state_saved", false},
                         {"state_save_failures", 4},
                         {"pid", ::getpid()}};
  EXPECT_EQ(body(r), expected);
}

TEST_F(ControlServerTest, StatusSpellsEveryRole) {
  const std::pair<elector::NodeRole, const char*> roles[] = {
      {elector::NodeRole::follower, "follower"},
      {elector::NodeRole::pre_candidate, "pre_candidate"},
      {elector::NodeRole::candidate, "candidate"},
      {elector::NodeRole::leader, "leader"}};
  auto c = client();
  for (const auto& [role, text] : roles) {
    backend.node_status.role = role;
    const auto r = c.Get("/v1/status");
    ASSERT_TRUE(r);
    EXPECT_EQ(body(r).at("role"), text);
  }
}

TEST_F(ControlServerTest, MembersSortedByName) {
  elector::NodeMember b;
  b.name = "box2";
  b.addr = "127.0.0.1:7002";
  b.control = "127.0.0.1:17002";
  b.status = elector::MemberState::suspect;
  b.priority = 2;
  b.candidate = false;
  b.settings_match = false;
  b.self = true;
  elector::NodeMember a;
  a.name = "box1";
  a.addr = "127.0.0.1:7001";
  a.status = elector::MemberState::alive;
  a.priority = 1;
  backend.member_list = {b, a};
  auto c = client();
  const auto r = c.Get("/v1/members");
  ASSERT_TRUE(r);
  const json expected = {{"members",
                          {{{"name", "box1"},
                            {"addr", "127.0.0.1:7001"},
                            {"control", ""},
                            {"status", "alive"},
                            {"priority", 1},
                            {"candidate", true},
                            {"settings_match", true},
                            {"self", false}},
                           {{"name", "box2"},
                            {"addr", "127.0.0.1:7002"},
                            {"control", "127.0.0.1:17002"},
                            {"status", "suspect"},
                            {"priority", 2},
                            {"candidate", false},
                            {"settings_match", false},
                            {"self", true}}}}};
  EXPECT_EQ(body(r), expected);
}

TEST_F(ControlServerTest, ElectAnswersAtOnce) {
  auto c = client();
  auto r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "started"}}));
  EXPECT_EQ(backend.elects, 1);

  backend.elect_result = elector::ElectResult::quorum_not_met;
  r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body(r), (json{{"error", "quorum not met"}, {"result", "quorum_not_met"}}));

  backend.elect_result = elector::ElectResult::stopped;
  r = c.Post("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body(r), (json{{"error", "node is stopping"}, {"result", "stopped"}}));
}

TEST_F(ControlServerTest, ElectSync) {
  backend.sync_result = {elector::ElectResult::started, "box1", 8, false};
  auto c = client();
  auto r = c.Post("/v1/elect?sync=true");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "started"}, {"leader", "box1"}, {"term", 8}}));
  EXPECT_EQ(backend.last_sync_timeout, elector::ms(5000));

  backend.sync_result = {elector::ElectResult::started, std::nullopt, 0, true};
  r = c.Post("/v1/elect?sync=true&timeout_ms=250");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(body(r), (json{{"error", "no leader within 250 ms"}, {"result", "started"}}));
  EXPECT_EQ(backend.last_sync_timeout, elector::ms(250));

  backend.sync_result = {elector::ElectResult::quorum_not_met, std::nullopt, 0, false};
  r = c.Post("/v1/elect?sync=true");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body(r)["result"], "quorum_not_met");

  r = c.Post("/v1/elect?sync=true&timeout_ms=soon");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body(r)["error"].get<std::string>().find("timeout_ms"), std::string::npos);

  r = c.Post("/v1/elect?sync=perhaps");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(ControlServerTest, ClearLeader) {
  auto c = client();
  const auto r = c.Post("/v1/clear-leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r), (json{{"result", "cleared"}}));
  EXPECT_EQ(backend.clears, 1);
}

TEST_F(ControlServerTest, PostWithoutContentLength) {
  // What `curl -X POST` sends: no Content-Length, no body.
  auto a = raw_exchange(server->port(),
                        "POST /v1/elect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_NE(a.find("{\"result\":\"started\"}"), std::string::npos) << a;
  a = raw_exchange(server->port(),
                   "POST /v1/clear-leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0U) << a;
  EXPECT_EQ(backend.elects, 1);
  EXPECT_EQ(backend.clears, 1);
}

TEST_F(ControlServerTest, UnknownPathAndWrongMethod) {
  auto c = client();
  auto r = c.Get("/v1/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(body(r)["error"].get<std::string>().find("/v1/nope"), std::string::npos);
  r = c.Get("/v1/elect");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
  EXPECT_EQ(backend.elects, 0);
  r = c.Post("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

}  // namespace
}  // namespace elector::daemon
