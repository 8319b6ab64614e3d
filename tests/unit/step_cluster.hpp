// Step-by-step tests of NodeCores on the simulator's instant delivery (sim::Cluster with
// Delivery::instant): a message is handled at the instant it is sent, in the order sent; time
// moves only when a test moves it. Shortcuts only: the network, faults, clocks, the message log
// and the events are sim::Cluster's own (src/sim/cluster.hpp).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/node_core.hpp"
#include "sim/cluster.hpp"

namespace elector::step {

/// A node's config for these tests: quorum `quorum`, election_delay 100 ms, the rest default.
inline Config config(const std::string& name, int quorum = 1) {
  Config c;
  c.name = name;
  c.quorum_size = quorum;
  c.election_delay = ms(100);
  return c;
}

/// A cluster of the named nodes, none started, with instant delivery and no crash signals (a
/// test hands a node its signal with peer_gone()).
inline sim::Options options(std::vector<std::string> names) {
  sim::Options o;
  o.names = std::move(names);
  o.delivery = sim::Delivery::instant;
  o.priority_by_index = false;
  o.crash_signal = false;
  o.start_stagger = Duration::zero();
  // Each node's generator seeded from its name and boot alone: a node draws the same numbers
  // whichever other nodes a test declares.
  o.node_seed = [](const std::string& name, std::uint64_t boot) {
    return boot * 7919 + name.size();
  };
  return o;
}

struct StepCluster : sim::Cluster {
  explicit StepCluster(std::vector<std::string> names)
      : StepCluster(step::options(std::move(names))) {}
  explicit StepCluster(sim::Options o) : sim::Cluster(std::move(o)) {
    set_message_log(true);
    set_tracing(true);
  }
  /// Starts `cfg.name` now as process `boot` (0: its next) with `cfg`, and pumps.
  core::NodeCore& add(const Config& cfg, std::uint64_t boot = 0) {
    sim::Boot how;
    how.boot = boot;
    how.config = cfg;
    start(cfg.name, how);
    pump();
    return *node(cfg.name);
  }
  core::NodeCore& operator[](const std::string& name) { return *node(name); }
  /// Frozen and cut off both ways (a SIGSTOPped process behind a broken link), or back.
  void cut(const std::string& name) {
    freeze(name);
    isolate(name);
  }
  void uncut(const std::string& name) {
    rejoin(name);
    thaw(name);
  }
  /// `name` receives `env` now, and the network is pumped until quiet.
  void deliver(const std::string& name, const core::Envelope& env) {
    EXPECT_TRUE(receive(name, env)) << name << " does not run";
    pump();
  }
  /// How many events of type E `name` reported.
  template <class E>
  int count(const std::string& name) const {
    int k = 0;
    for (const auto& e : events(name)) k += std::holds_alternative<E>(e) ? 1 : 0;
    return k;
  }
};

/// Four nodes, one watcher: a leads (priority 1) and heartbeats b every T; c and d are far.
/// `extra` names nodes not started here.
struct FarCluster : StepCluster {
  explicit FarCluster(const std::vector<std::string>& extra = {})
      : StepCluster(with({"a", "b", "c", "d"}, extra)) {
    int priority = 1;
    for (const char* n : {"a", "b", "c", "d"}) {
      Config cfg = config(n);
      cfg.strategy = "priority";
      cfg.priority = priority++;
      cfg.heartbeat_watchers = 1;
      add(cfg);
    }
    run_for(ms(1500));
    for (const auto& m : message_log()) last[m.from] = m.msg.env;
  }
  /// A request as `from` would send it (its last message's header, gossip removed).
  core::Envelope as(const std::string& from, core::Body body) const {
    core::Envelope env = last.at(from);
    env.body = std::move(body);
    env.gossip.clear();
    return env;
  }
  std::map<std::string, core::Envelope> last;
  /// The answer `voter` gives to `req`.
  core::VoteResp answer(const std::string& voter, const core::Envelope& req) {
    clear_message_log();
    deliver(voter, req);
    for (const auto& m : message_log()) {
      if (const auto* r = std::get_if<core::VoteResp>(&m.msg.env.body); r && m.from == voter)
        return *r;
    }
    ADD_FAILURE() << voter << " did not answer";
    return {};
  }

 private:
  static std::vector<std::string> with(std::vector<std::string> names,
                                       const std::vector<std::string>& extra) {
    names.insert(names.end(), extra.begin(), extra.end());
    return names;
  }
};

/// How many pre-vote and vote requests `from` sent among the message log's entries since..end.
inline std::pair<int, int> campaign_requests(const sim::Cluster& c, const std::string& from,
                                             std::size_t since) {
  int pre = 0, real = 0;
  const auto& log = c.message_log();
  for (std::size_t i = since; i < log.size(); ++i) {
    if (log[i].from != from) continue;
    pre += std::holds_alternative<core::PreVoteReq>(log[i].msg.env.body) ? 1 : 0;
    real += std::holds_alternative<core::VoteReq>(log[i].msg.env.body) ? 1 : 0;
  }
  return {pre, real};
}

}  // namespace elector::step
