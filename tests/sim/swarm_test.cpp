// The simulator's own machinery for fault search: node clocks at their own rates, one-way cuts,
// and fault profiles drawn from the seed.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/faults.hpp"
#include "sim/run.hpp"
#include "sim_util.hpp"

namespace elector::test {
namespace {

using sim::Cluster;

/// Five nodes (quorum 3, priority) once box1 leads them.
sim::Options five_by_priority() {
  auto o = options(5, 3);
  o.base.quorum_size = 3;
  o.base.strategy = "priority";
  return o;
}

/// A fault run as elector-sim's, the clocks as the run's default unless `clock` is given.
sim::RunSpec fault_run(int nodes, int quorum, std::uint64_t seed, std::int64_t duration_ms,
                       std::optional<sim::ClockSkew> clock = std::nullopt) {
  sim::RunSpec s;
  s.nodes = nodes;
  s.quorum = quorum;
  s.seed = seed;
  s.faults = true;
  s.duration_ms = duration_ms;
  s.clock = clock;
  return s;
}

TEST(Clock, ConvertsBothWaysAndNeverGoesBack) {
  const sim::Clock k{1'073'517, ms(12'345)};
  Time prev = k.local(Cluster::epoch());
  EXPECT_EQ(prev, Cluster::epoch() + ms(12'345));
  for (std::int64_t ns = 0; ns < 5'000'000'000; ns += 7'919'777) {
    const Time g = Cluster::epoch() + Duration(ns);
    const Time l = k.local(g);
    EXPECT_GE(l, prev);
    prev = l;
    // The first simulated instant at which the clock reads `l` is `g` or a little before it,
    // and the clock reads at least `l` then.
    const Time back = k.global(l);
    EXPECT_LE(back, g);
    EXPECT_GE(k.local(back), l);
    EXPECT_LT(g - back, Duration(2));
  }
  EXPECT_EQ(k.local(Cluster::epoch() + ms(1000)) - k.local(Cluster::epoch()),
            Duration(1'073'517'000));
  EXPECT_EQ(k.global(kNever), kNever);
  EXPECT_EQ(k.local(kNever), kNever);
}

TEST(Clock, ARestartedNodeKeepsItsMachinesClock) {
  auto o = options(3, 5);
  o.base.quorum_size = 2;
  o.clock_skew = sim::ClockSkew::within;
  Cluster c(o);
  c.start_all();
  c.run_for(ms(2000));
  const sim::Clock before = c.clock("box2");
  EXPECT_GE(before.rate_ppm, 1'000'000);
  EXPECT_LE(before.rate_ppm, 1'100'000);
  c.restart("box2");
  c.run_for(ms(2000));
  EXPECT_EQ(c.clock("box2").rate_ppm, before.rate_ppm);
  EXPECT_EQ(c.clock("box2").offset, before.offset);
  EXPECT_TRUE(c.agreed_leader().has_value());
  EXPECT_TRUE(c.invariants().violations().empty());
}

/// box1 leads three nodes (quorum 2); the followers' clocks are set to `rate_ppm`; box1 freezes,
/// and box2 and box3 elect a successor once their promises run out by their own clocks.
std::vector<std::string> freeze_leader_with_follower_clocks(std::int64_t rate_ppm) {
  auto o = options(3, 1);
  o.base.quorum_size = 2;
  o.base.strategy = "priority";
  Cluster c(o);
  c.start_all();
  EXPECT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  for (const char* n : {"box2", "box3"}) c.set_clock_rate(n, rate_ppm);
  c.run_for(ms(500));
  c.freeze("box1");
  EXPECT_TRUE(c.run_until([&] { return c.node("box2")->role() == core::Role::leader; }, ms(3000)));
  c.run_for(ms(1000));
  return c.invariants().violations();
}

TEST(Clock, FollowersTenPercentFastStillNeverOverlapTheLease) {
  EXPECT_TRUE(freeze_leader_with_follower_clocks(1'100'000).empty());
}

TEST(Clock, FollowersTwiceAsFastOverlapTheFrozenLeadersLeaseAndAreCaught) {
  // Their 4T promise is 2T of simulated time, box1's 3.5T lease runs on: two leases at once.
  const auto v = freeze_leader_with_follower_clocks(2'000'000);
  ASSERT_FALSE(v.empty());
  EXPECT_NE(v.front().find("two leaders at once: box1"), std::string::npos) << v.front();
}

TEST(Clock, RatesBeyondTheBoundAreFoundBySomeSeed) {
  // The search the simulator's `--clock-skew beyond` runs must find what the model breaks:
  // with some nodes 1.5-2x fast, a majority quorum no longer keeps leases apart.
  std::uint64_t found = 0;
  for (std::uint64_t seed = 1; seed <= 300 && !found; ++seed) {
    const auto s = fault_run(5, 3, seed, 16000, sim::ClockSkew::beyond);
    Cluster c(sim::cluster_options(s));
    c.set_tracing(false);
    sim::run(c, s);
    if (!c.invariants().violations().empty()) found = seed;
  }
  EXPECT_NE(found, 0u) << "no violation in 300 seeds with clock rates beyond the bound";
}

TEST(OneWay, ALeaderNobodyHearsIsReplacedWhileItStillHearsThem) {
  Cluster c(five_by_priority());
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  const int cut = c.cut_one_way({"box1"}, {"box2", "box3", "box4", "box5"});
  // box2 leads the others; box1 hears its heartbeats of a newer term and follows them.
  ASSERT_TRUE(c.run_until([&] { return c.node("box1")->leader() == "box2"; }, ms(3000)));
  EXPECT_FALSE(c.node("box1")->is_leader(c.local_now("box1")));
  EXPECT_EQ(c.leaders_now(), std::vector<std::string>{"box2"});
  c.repair_cut(cut);
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(10000)));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(OneWay, ALeaderThatHearsNoOneLosesItsLease) {
  Cluster c(five_by_priority());
  c.start_all();
  ASSERT_TRUE(c.run_until([&] { return agreed_on(c, "box1"); }, ms(5000)));
  c.cut_one_way({"box2", "box3", "box4", "box5"}, {"box1"});
  // No acknowledgement reaches box1: its lease ends within 3.5T and it steps down. The others,
  // who heard its heartbeats until then, give it up 4T after the last one and elect one of them.
  ASSERT_TRUE(
      c.run_until([&] { return !c.node("box1")->is_leader(c.local_now("box1")); }, ms(1000)));
  ASSERT_TRUE(c.run_until(
      [&] {
        const auto l = c.leaders_now();
        return l.size() == 1 && l.front() != "box1";
      },
      ms(5000)));
  c.heal();
  ASSERT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(10000)));
  EXPECT_TRUE(c.invariants().violations().empty());
}

TEST(Profiles, ClassicIsTheOldFixedMix) {
  const auto p = sim::classic_profile();
  EXPECT_EQ(p.name, "classic");
  std::set<sim::FaultKind> on;
  for (std::size_t k = 0; k < sim::kFaultKinds; ++k) {
    if (p.weight[k] > 0) on.insert(static_cast<sim::FaultKind>(k));
  }
  EXPECT_EQ(on, (std::set<sim::FaultKind>{sim::FaultKind::crash, sim::FaultKind::crash_silent,
                                          sim::FaultKind::freeze, sim::FaultKind::stop,
                                          sim::FaultKind::partition, sim::FaultKind::loss}));
  EXPECT_EQ(p.after_election, 0);
  EXPECT_EQ(p.after_campaign, 0);
}

TEST(Profiles, DrawnFromTheSeedVaryAndSwitchKindsOff) {
  std::set<std::string> seen;
  int classic = 0;
  int some_off = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto p = sim::draw_profile(seed, ms(100));
    EXPECT_EQ(p.describe(), sim::draw_profile(seed, ms(100)).describe());
    seen.insert(p.describe());
    if (p.name == "classic") ++classic;
    int on = 0;
    for (int w : p.weight) on += w > 0 ? 1 : 0;
    EXPECT_GE(on, 1);
    if (on < static_cast<int>(sim::kFaultKinds)) ++some_off;
  }
  EXPECT_GT(seen.size(), 150u);
  EXPECT_GT(classic, 10);  // one in eight
  EXPECT_LT(classic, 40);
  EXPECT_GT(some_off, 150);
}

TEST(Profiles, TheFaultLogStartsWithTheProfileAndTheClocks) {
  const auto s = fault_run(5, 3, 4, 8000);
  Cluster c(sim::cluster_options(s));
  const auto r = sim::run(c, s);
  ASSERT_GE(r.log.lines.size(), 7u);
  EXPECT_EQ(r.log.lines[0], sim::draw_profile(4, ms(100)).describe());
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(r.log.lines[static_cast<std::size_t>(i)].rfind("clock box" + std::to_string(i), 0),
              0u)
        << r.log.lines[static_cast<std::size_t>(i)];
  }
}

TEST(Profiles, ASwarmRunWithSkewedClocksReplaysExactly) {
  auto run = [](std::uint64_t seed) {
    const auto s = fault_run(7, 4, seed, 10000, sim::ClockSkew::within);
    Cluster c(sim::cluster_options(s));
    const auto r = sim::run(c, s);
    std::string sig = std::to_string(c.stats().messages) + "/" + std::to_string(c.acquisitions());
    for (const auto& l : r.log.lines) sig += l + "\n";
    for (const auto& t : c.trace()) sig += t.node + event_name(t.event);
    return sig;
  };
  EXPECT_EQ(run(21), run(21));
  EXPECT_NE(run(21), run(22));
}

TEST(RunSpec, TheReplayCommandNamesEveryNonDefaultSetting) {
  auto s = fault_run(7, 4, 42, 16000, sim::ClockSkew::within);
  EXPECT_EQ(s.command(),
            "elector-sim --nodes 7 --seed 42 --quorum-size 4 --duration-ms 16000 --faults "
            "--profile swarm --clock-skew within");
  s.profile = sim::ProfileMode::classic;
  s.clock.reset();
  s.strategy = "priority";
  EXPECT_EQ(s.command(),
            "elector-sim --nodes 7 --seed 42 --quorum-size 4 --strategy priority --duration-ms "
            "16000 --faults --profile classic");
}

}  // namespace
}  // namespace elector::test
