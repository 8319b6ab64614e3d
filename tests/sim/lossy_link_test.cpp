// A lossy network must not cost a live leader its followers: a watcher's heartbeats travel both
// over the leader's connection and as datagrams (docs/design.md §3, "Who holds a connection to
// whom"), so a lost TCP segment, retransmitted 200 ms later with every heartbeat queued behind it,
// does not run the watcher's 4T promise out. The simulator models TCP here: a lost stream message
// is retransmitted after an RTO that doubles, and what follows it on the connection waits.
#include <gtest/gtest.h>

#include "sim_util.hpp"

namespace elector::test {
namespace {

struct Counts {
  int leader_changes = 0;
  int leader_lost = 0;
  int leaderships_lost = 0;
};

/// What the nodes reported from `from` on.
Counts count_since(const sim::Cluster& c, Time from) {
  Counts n;
  for (const auto& t : c.trace()) {
    if (t.at < from) continue;
    if (std::holds_alternative<LeaderChanged>(t.event)) ++n.leader_changes;
    if (std::holds_alternative<LeadershipLost>(t.event)) ++n.leaderships_lost;
    if (const auto* e = std::get_if<ElectionStarted>(&t.event)) {
      if (e->reason == ElectionReason::leader_lost) ++n.leader_lost;
    }
  }
  return n;
}

/// Five nodes, a majority quorum, an RTT of 20 ms +- 10 ms, `loss` of every packet, TCP's
/// retransmissions: what a minute after the first agreement brings.
Counts lossy_minute(double loss, std::uint64_t seed) {
  sim::Options o = options(5, seed);
  o.base.quorum_size = 0;
  o.latency_min = ms(5);
  o.latency_max = ms(15);
  o.stream_retransmit = true;
  sim::Cluster c(o);
  c.set_tracing(true);
  c.start_all();
  EXPECT_TRUE(c.run_until([&] { return c.agreed_leader().has_value(); }, ms(10000)));
  c.run_for(ms(1000));
  c.set_loss(loss);
  const Time from = c.now();
  c.run_for(ms(60000));
  EXPECT_TRUE(c.invariants().violations().empty());
  EXPECT_TRUE(c.agreed_leader().has_value());
  return count_since(c, from);
}

TEST(LossyLink, FivePercentLossCostsTheLeaderNoFollower) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Counts n = lossy_minute(0.05, seed);
    EXPECT_EQ(n.leader_lost, 0) << "seed " << seed;
    EXPECT_EQ(n.leader_changes, 0) << "seed " << seed;
    EXPECT_EQ(n.leaderships_lost, 0) << "seed " << seed;
  }
}

TEST(LossyLink, StreamMessagesAreRetransmittedNotLost) {
  sim::Options o = options(3, 7);
  o.latency_min = ms(5);
  o.latency_max = ms(15);
  o.stream_retransmit = true;
  o.loss = 0.3;
  sim::Cluster c(o);
  c.start_all();
  c.run_for(ms(5000));
  // Nothing sent over a stream is lost: every message that reached no one was a datagram.
  EXPECT_GT(c.stats().dropped, 0u);
  EXPECT_LE(c.stats().dropped, c.stats().datagrams);
}

}  // namespace
}  // namespace elector::test
