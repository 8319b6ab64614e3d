// When a member wakes up and how often it probes (Membership driven by hand,
// membership_net.hpp): an idle member wakes only for its probes and push-pulls, a big cluster
// probes less often, a probe due soon goes out with an incoming message, and next_wakeup() is
// always in the future.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <variant>

#include "core/membership.hpp"
#include "membership_net.hpp"

namespace elector {
namespace {

using namespace membership_net;

/// a, then b and c through a and d through b.
void add_four(Net& net) {
  net.add("a");
  net.add("b", "a");
  net.add("c", "a");
  net.add("d", "b");
}

TEST(Membership, IdleMemberWakesOnlyToProbeAndForAntiEntropy) {
  // Idle CPU is wake-ups: with every member up and every probe answered at once, a member must
  // wake for its probes (one per interval) and its push-pulls, nothing else (no reconnect round
  // with nobody to reconnect to, no timeout of a probe that was answered).
  Net net;
  add_four(net);
  net.run(ms(5000));
  std::map<std::string, int> wakes;
  const Duration window = ms(30000);
  const Time end = net.now + window;
  while (net.now < end) {
    for (const auto& [name, n] : net.nodes) {
      if (n->m->next_wakeup() <= net.now + kStep) ++wakes[name];
    }
    net.step();
  }
  const auto probes = static_cast<int>(window / net.tuning.probe_interval);
  const auto push_pulls = static_cast<int>(window / net.tuning.push_pull_interval) + 1;
  std::map<std::string, int> pings;
  for (const auto& d : net.log) {
    if (std::holds_alternative<core::Ping>(d.env.body) && d.env.header.self.name != "")
      ++pings[d.from];
  }
  for (const auto& [name, k] : wakes) {
    EXPECT_LE(k, probes + push_pulls) << name;
    // Fewer wake-ups, not fewer probes: each member still probes once per interval.
    EXPECT_GE(pings[name], probes) << name;
  }
}

TEST(Membership, BigClusterProbesLessOften) {
  // Past 128 members a node probes every 2 intervals (129-256 members): half the idle traffic,
  // and every member is still probed.
  Net net;
  net.add("m0");
  for (int i = 1; i < 150; ++i) net.add("m" + std::to_string(i), "m" + std::to_string(i / 2));
  ASSERT_TRUE(net.run_until(
      [&] {
        return std::all_of(net.nodes.begin(), net.nodes.end(),
                           [](const auto& kv) { return kv.second->m->up_count() == 149u; });
      },
      ms(60000)));
  net.run(ms(5000));
  net.log.clear();
  const Duration window = ms(20000);
  net.run(window);
  std::map<std::string, int> sent, received;
  for (const auto& d : net.log) {
    if (!std::holds_alternative<core::Ping>(d.env.body)) continue;
    ++sent[d.from];
    ++received[d.to];
  }
  const auto periods = static_cast<int>(window / (2 * net.tuning.probe_interval));
  for (const auto& [name, n] : net.nodes) {
    EXPECT_GE(sent[name], periods - 1) << name;
    EXPECT_LE(sent[name], periods + 1) << name;
  }
  // Round-robin: within 20 s (10 rounds of 150 probes over 149 targets) every member is probed.
  EXPECT_EQ(received.size(), net.nodes.size());
}

TEST(Membership, ProbeDueSoonGoesOutWithAnIncomingMessage) {
  Net net;
  Node& a = net.add("a");
  net.add("b", "a");
  net.run(ms(3000));
  // Just after a probe of a's: its next one is most of an interval away.
  ASSERT_TRUE(net.run_until(
      [&] { return a.m->next_wakeup() > net.now + net.tuning.probe_interval * 19 / 20; },
      ms(5000)));
  const Time due = a.m->next_wakeup();  // a's next probe: nothing else is pending in an idle pair
  ASSERT_LE(due, net.now + net.tuning.probe_interval * 3 / 2);
  auto ping_from_b = [&] {
    core::Envelope env;
    env.header.self = net.m("b").self_record(net.now);
    env.body = core::Ping{9999, "a"};
    return env;
  };
  auto sent_pings = [&] {
    int k = 0;
    for (const auto& m : a.out.msgs) k += std::holds_alternative<core::Ping>(m.body) ? 1 : 0;
    return k;
  };

  // Long before the probe is due, a message is only answered.
  net.now = due - net.tuning.probe_interval * 9 / 10;
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 0);
  EXPECT_EQ(a.m->next_wakeup(), due);
  a.out.msgs.clear();

  // Within half an interval of it, the probe rides on that wake-up, and the next one keeps pace.
  net.now = due - net.tuning.probe_interval / 4;
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 1);
  a.m->on_envelope(net.now, ping_from_b(), 0, a.out);
  EXPECT_EQ(sent_pings(), 1) << "a second probe while the first is unanswered";
  net.flush();
  EXPECT_GE(a.m->next_wakeup(), due + net.tuning.probe_interval / 2);
}

TEST(Membership, NextWakeupIsAlwaysInTheFuture) {
  // A driver that sleeps until next_wakeup() must neither spin nor miss a deadline.
  Net net;
  add_four(net);
  // Messages delivered since the last tick may make a timer due at once; a tick clears that.
  auto check = [&](const char* phase) {
    for (const auto& [name, n] : net.nodes) {
      if (net.crashed.count(name)) continue;
      n->m->tick(net.now, n->out);
      ASSERT_GT(n->m->next_wakeup(), net.now) << name << " " << phase;
      // A probe sent early (with a message, half an interval at most) keeps the pace of the
      // schedule, so the next one can be up to one and a half intervals away.
      ASSERT_LE(n->m->next_wakeup(), net.now + net.tuning.probe_interval * 3 / 2)
          << name << " " << phase;
    }
    net.flush();
  };
  for (int i = 0; i < 300; ++i) {
    net.step();
    check("stable");
  }
  net.crashed.insert("d");
  for (int i = 0; i < 2000; ++i) {
    net.step();
    check("failure");
  }
  EXPECT_EQ(status(net.m("a"), "d"), core::MemberStatus::dead);
}

}  // namespace
}  // namespace elector
