// elector::Node on real sockets (127.0.0.1, ephemeral ports), several nodes in one process.
// Waits are bounded generously; no test depends on how fast the machine is.
#include "elector/node.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace elector {
namespace {

using namespace std::chrono_literals;

NodeConfig config(const std::string& name, std::int64_t priority, const std::string& secret) {
  NodeConfig c;
  c.name = name;
  c.listen = "127.0.0.1:0";
  c.strategy = "priority";
  c.priority = priority;
  c.election_delay = ms(50);
  c.heartbeat_interval = ms(50);
  c.cookie = secret;
  c.membership.probe_interval = ms(200);
  c.membership.probe_timeout = ms(100);
  return c;
}

/// Polls `pred` until it holds or `limit` passes (generous bounds only).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct Cluster {
  std::vector<std::unique_ptr<Node>> nodes;
  std::string seed;

  Node& add(NodeConfig c, NodeCallbacks cb = {}) {
    if (!seed.empty()) c.seeds = {seed};
    nodes.push_back(std::make_unique<Node>(std::move(c), std::move(cb)));
    nodes.back()->start();
    if (seed.empty()) seed = nodes.back()->status().listen;
    return *nodes.back();
  }
  /// Every running node names `name` as leader.
  bool agree_on(const std::string& name) const {
    for (const auto& n : nodes) {
      if (!n) continue;
      const auto l = n->leader();
      if (!l || *l != name) return false;
    }
    return true;
  }
  int leaders_now() const {
    int k = 0;
    for (const auto& n : nodes) k += (n && n->is_leader()) ? 1 : 0;
    return k;
  }
};

TEST(Node, ThreeNodesAgreeOnTheBestAndHandOverOnStop) {
  Cluster c;
  c.add(config("box1", 1, "s3cret"));
  c.add(config("box2", 2, "s3cret"));
  c.add(config("box3", 3, "s3cret"));
  ASSERT_TRUE(eventually([&] { return c.agree_on("box1"); }));
  ASSERT_TRUE(eventually([&] { return c.nodes[0]->is_leader(); }));
  EXPECT_EQ(c.leaders_now(), 1);
  const auto term = c.nodes[0]->term();
  EXPECT_GT(term, 0u);
  for (const auto& n : c.nodes) EXPECT_EQ(n->members().size(), 3u);

  c.nodes[0]->stop();
  EXPECT_FALSE(c.nodes[0]->is_leader());
  c.nodes[0].reset();
  // Handover: box2 takes over; the term grows.
  ASSERT_TRUE(eventually([&] { return c.agree_on("box2"); }, 3s));
  EXPECT_GT(c.nodes[1]->term(), term);
}

TEST(Node, ElectSyncAndClearLeader) {
  Cluster c;
  c.add(config("a1", 1, "k"));
  c.add(config("a2", 2, "k"));
  ASSERT_TRUE(eventually([&] { return c.agree_on("a1"); }));
  const auto r = c.nodes[1]->elect_sync(std::chrono::seconds(5));
  EXPECT_EQ(r.result, ElectResult::started);
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.leader.has_value());
  EXPECT_EQ(*r.leader, "a1");

  c.nodes[0]->clear_leader();
  ASSERT_TRUE(eventually(
      [&] { return !c.nodes[0]->leader().has_value() && !c.nodes[1]->leader().has_value(); }));
  EXPECT_EQ(c.leaders_now(), 0);
  EXPECT_EQ(c.nodes[0]->elect(), ElectResult::started);
  ASSERT_TRUE(eventually([&] { return c.agree_on("a1"); }));
}

TEST(Node, StatusReportsRolesAndMemberStates) {
  Cluster c;
  c.add(config("r1", 1, "k"));
  c.add(config("r2", 2, "k"));
  c.add(config("r3", 3, "k"));
  ASSERT_TRUE(eventually([&] { return c.agree_on("r1") && c.nodes[0]->is_leader(); }));
  EXPECT_EQ(c.nodes[0]->status().role, NodeRole::leader);
  ASSERT_TRUE(eventually([&] {
    return c.nodes[1]->status().role == NodeRole::follower &&
           c.nodes[2]->status().role == NodeRole::follower;
  }));
  // leadership(): the same leader and term as status(), a lease on the leader only, within it.
  const auto lead = c.nodes[0]->leadership();
  EXPECT_EQ(lead.leader, std::optional<std::string>("r1"));
  EXPECT_EQ(lead.term, c.nodes[0]->term());
  EXPECT_TRUE(lead.is_leader);
  EXPECT_GT(lead.lease_left, Duration::zero());
  EXPECT_LE(lead.lease_left, 4 * c.nodes[0]->config().heartbeat_interval);
  const auto follow = c.nodes[1]->leadership();
  EXPECT_EQ(follow.leader, std::optional<std::string>("r1"));
  EXPECT_EQ(follow.term, lead.term);
  EXPECT_FALSE(follow.is_leader);
  EXPECT_EQ(follow.lease_left, Duration::zero());
  const auto alive = c.nodes[1]->status().members_by_status;
  EXPECT_EQ(alive, (std::map<MemberState, std::size_t>{{MemberState::alive, 3},
                                                       {MemberState::suspect, 0},
                                                       {MemberState::dead, 0},
                                                       {MemberState::left, 0}}));

  c.nodes[2]->stop();
  const auto r3 = [&] {
    for (const auto& m : c.nodes[1]->members()) {
      if (m.name == "r3") return m.status;
    }
    return MemberState::alive;
  };
  ASSERT_TRUE(eventually([&] { return r3() == MemberState::left; }));
  const auto after = c.nodes[1]->status().members_by_status;
  EXPECT_EQ(after.at(MemberState::alive), 2U);
  EXPECT_EQ(after.at(MemberState::left), 1U);
}

// A node that listens on every address is known to the members by the address it advertises.
TEST(Node, MembersKnowANodeByTheAddressItAdvertises) {
  NodeConfig a = config("a1", 1, "k");
  a.listen = "0.0.0.0:0";
  a.advertise = "127.0.0.1:0";  // port 0: the port listen bound
  Node na(std::move(a));
  na.start();
  const std::string bound = na.status().listen;
  ASSERT_TRUE(bound.starts_with("0.0.0.0:")) << bound;
  const auto self = na.members();
  ASSERT_EQ(self.size(), 1U);
  EXPECT_EQ(self[0].addr, "127.0.0.1:" + bound.substr(8));

  NodeConfig b = config("a2", 2, "k");
  b.seeds = {self[0].addr};
  Node nb(std::move(b));
  nb.start();
  const auto a1_seen_by_b = [&]() -> std::string {
    for (const auto& m : nb.members()) {
      if (m.name == "a1" && m.status == MemberState::alive) return m.addr;
    }
    return "";
  };
  ASSERT_TRUE(eventually([&] { return !a1_seen_by_b().empty() && nb.leader() == "a1"; }));
  EXPECT_EQ(a1_seen_by_b(), self[0].addr);
  nb.stop();
  na.stop();
}

TEST(Node, ConfigMayBeReadWhileStartRuns) {
  Node node(config("g1", 1, "k"));
  EXPECT_EQ(node.config().listen, "127.0.0.1:0");
  // start() rewrites `listen` once it has bound. The reader's first read is ordered before
  // start() (through `first`), the others are ordered with it only by the node's own locking:
  // without it, ThreadSanitizer reports a data race however the threads interleave.
  std::atomic<bool> first{false};
  std::thread reader([&] {
    for (int i = 0; i < 100; ++i) {
      const NodeConfig c = node.config();
      EXPECT_EQ(c.name, "g1");
      EXPECT_FALSE(c.listen.empty());
      if (i == 0) first = true;
    }
  });
  while (!first.load()) std::this_thread::yield();
  node.start();
  reader.join();
  const std::string listen = node.config().listen;
  EXPECT_NE(listen, "127.0.0.1:0");
  EXPECT_EQ(listen, node.status().listen);
  node.stop();
}

TEST(Node, QuorumNotMetIsReported) {
  Cluster c;
  auto cfg = config("q1", 1, "k");
  cfg.quorum_size = 2;
  c.add(cfg);
  EXPECT_EQ(c.nodes[0]->elect(), ElectResult::quorum_not_met);
  EXPECT_FALSE(c.nodes[0]->leader().has_value());
}

TEST(Node, WrongSecretIsNotAdmitted) {
  Cluster c;
  c.add(config("w1", 1, "right"));
  c.add(config("w2", 2, "right"));
  ASSERT_TRUE(eventually([&] { return c.agree_on("w1"); }));
  auto bad = config("w0", 0, "wrong");
  bad.seeds = {c.seed};
  Node intruder(bad);
  intruder.start();
  // The members keep refusing it: it never appears in their views and never leads them.
  ASSERT_TRUE(eventually([&] { return c.nodes[0]->stats().dropped.count("unauthenticated") > 0; }));
  for (const auto& n : c.nodes) {
    for (const auto& m : n->members()) EXPECT_NE(m.name, "w0");
    EXPECT_EQ(n->leader().value_or(""), "w1");
  }
  EXPECT_EQ(intruder.members().size(), 1u);
  intruder.stop();
}

TEST(Node, NoSecretRefusesToStartUnlessInsecure) {
  Node n(config("n1", 1, ""));
  EXPECT_THROW(n.start(), std::runtime_error);
  auto cfg = config("n2", 1, "");
  cfg.insecure = true;
  Node ok(cfg);
  EXPECT_NO_THROW(ok.start());
  ok.stop();
}

TEST(Node, BadConfigNamesTheKey) {
  auto cfg = config("b1", 1, "k");
  cfg.quorum_size = -1;
  try {
    Node n(cfg);
    FAIL() << "accepted quorum_size -1";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("quorum_size"), std::string::npos) << e.what();
  }
}

TEST(Node, CallbacksFollowLeadership) {
  std::mutex mu;
  std::vector<std::string> seen;
  NodeCallbacks cb;
  cb.elected = [&](std::uint64_t) {
    std::lock_guard lk(mu);
    seen.push_back("elected");
  };
  cb.demoted = [&](std::uint64_t, const std::string& reason) {
    std::lock_guard lk(mu);
    seen.push_back("demoted:" + reason);
  };
  cb.leader_changed = [&](const std::optional<std::string>& l, std::uint64_t) {
    std::lock_guard lk(mu);
    seen.push_back("leader:" + l.value_or("none"));
  };
  {
    Node n(config("c1", 1, "k"), cb);
    n.start();
    ASSERT_TRUE(eventually([&] { return n.is_leader(); }));
    n.stop();
  }
  // stop() runs the callbacks still queued before it returns.
  std::lock_guard lk(mu);
  const auto at = [&](const std::string& what) {
    return std::find(seen.begin(), seen.end(), what) - seen.begin();
  };
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "elected"), 1);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "leader:c1"), 1);
  ASSERT_EQ(std::count(seen.begin(), seen.end(), "demoted:stopped"), 1);
  EXPECT_LT(at("elected"), at("demoted:stopped"));
  EXPECT_LT(at("leader:c1"), at("leader:none"));
}

TEST(Node, DiagnosticsGoToTheLogCallback) {
  std::mutex mu;
  std::vector<std::pair<LogLevel, std::string>> lines;
  NodeCallbacks cb;
  cb.log = [&](LogLevel level, const std::string& text) {
    std::lock_guard lk(mu);
    lines.emplace_back(level, text);
  };
  cb.elected = [](std::uint64_t) { throw std::runtime_error("boom"); };
  {
    Node n(config("l1", 1, "k"), cb);
    n.start();
    ASSERT_TRUE(eventually([&] { return n.is_leader(); }));
    n.stop();  // runs the queued callbacks, the throwing one included
  }
  std::lock_guard lk(mu);
  const auto has = [&](LogLevel level, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) {
      return l.first == level && l.second.find(part) != std::string::npos;
    });
  };
  EXPECT_TRUE(has(LogLevel::info, "l1: listening on 127.0.0.1:"));
  EXPECT_TRUE(has(LogLevel::error, "a callback threw: boom"));
}

TEST(Node, StateFileKeepsTheTermAcrossRestarts) {
  const std::string path = ::testing::TempDir() + "/elector-node-state-" +
                           std::to_string(::testing::UnitTest::GetInstance()->random_seed());
  std::remove(path.c_str());
  std::uint64_t first = 0;
  {
    auto cfg = config("t1", 1, "k");
    cfg.state_file = path;
    Node n(cfg);
    n.start();
    ASSERT_TRUE(eventually([&] { return n.is_leader(); }));
    first = n.term();
    n.stop();
  }
  auto cfg = config("t1", 1, "k");
  cfg.state_file = path;
  Node n(cfg);
  n.start();
  ASSERT_TRUE(eventually([&] { return n.is_leader(); }));
  EXPECT_GT(n.term(), first);
  n.stop();
  std::remove(path.c_str());
}

TEST(Node, ANodeThatCannotSaveItsStateNeitherVotesNorLeads) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "elector-node-unsaved-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path root = tmpl;
  // u1's state directory does not exist: every save fails (as root, permissions would not).
  const fs::path missing = root / "u1";

  std::atomic<int> u1_elected{0};
  std::mutex mu;
  std::vector<std::string> u1_errors;
  NodeCallbacks cb1;
  cb1.elected = [&](std::uint64_t) { ++u1_elected; };
  cb1.log = [&](LogLevel level, const std::string& text) {
    std::lock_guard lk(mu);
    if (level == LogLevel::error) u1_errors.push_back(text);
  };
  const auto node = [&](const std::string& name, std::int64_t priority, const fs::path& dir) {
    auto cfg = config(name, priority, "k");
    cfg.quorum_size = 2;
    cfg.state_file = (dir / (name + ".state")).string();
    return cfg;
  };
  {
    Cluster c;
    // u1 ranks first: only its failing saves keep it from leading.
    c.add(node("u1", 1, missing), cb1);
    c.add(node("u2", 2, root));
    c.add(node("u3", 3, root));
    ASSERT_TRUE(eventually([&] {
      return c.nodes[1]->is_leader() && c.nodes[2]->leader() == std::optional<std::string>("u2");
    }));
    EXPECT_FALSE(c.nodes[0]->status().state_saved);
    EXPECT_GT(c.nodes[0]->status().state_save_failures, 0U);
    EXPECT_EQ(c.nodes[0]->status().state_file, (missing / "u1.state").string());
    // A while longer: u1 still does not take over, and says why.
    const auto until = std::chrono::steady_clock::now() + 500ms;
    while (std::chrono::steady_clock::now() < until) {
      EXPECT_FALSE(c.nodes[0]->is_leader());
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(u1_elected.load(), 0);
    {
      std::lock_guard lk(mu);
      ASSERT_FALSE(u1_errors.empty());
      EXPECT_NE(u1_errors.front().find("neither votes"), std::string::npos) << u1_errors.front();
      EXPECT_NE(u1_errors.front().find(missing.string()), std::string::npos) << u1_errors.front();
    }

    // Once it can save again it votes and may lead: asked to re-elect, u2 hands over to it.
    fs::create_directory(missing);
    ASSERT_TRUE(eventually([&] { return c.nodes[0]->status().state_saved; }));
    EXPECT_EQ(c.nodes[1]->elect(), ElectResult::started);
    ASSERT_TRUE(eventually([&] { return c.agree_on("u1") && c.nodes[0]->is_leader(); }));
    // The callback runs on the node's callback thread, a moment after is_leader() turns true.
    ASSERT_TRUE(eventually([&] { return u1_elected.load() > 0; }));
    EXPECT_EQ(u1_elected.load(), 1);
  }
  std::error_code ec;
  fs::remove_all(root, ec);
}

}  // namespace
}  // namespace elector
