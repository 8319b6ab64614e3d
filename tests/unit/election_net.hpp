// Step-by-step election tests: a few NodeCores wired to each other with instant delivery.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/node_core.hpp"

namespace elector::election_net {

inline const Time kT0 = Time(std::chrono::hours(1));

inline Config config(const std::string& name, int quorum = 1) {
  Config c;
  c.name = name;
  c.listen = name + ":1";
  c.quorum_size = quorum;
  c.election_delay = ms(100);
  return c;
}

/// A few NodeCores wired to each other with instant delivery, for step-by-step tests.
struct Net {
  std::map<std::string, std::unique_ptr<NodeCore>> nodes;
  std::map<std::string, std::vector<Event>> events;
  std::set<std::string> cut;       // frozen: no ticks, messages dropped both ways
  std::set<std::string> isolated;  // running, but messages dropped both ways
  std::set<std::pair<std::string, std::string>> broken;  // (from, to): dropped that way only
  std::set<std::string> no_gossip_to;  // receive messages without their piggybacked gossip
  std::vector<std::pair<std::string, Outgoing>> sent;  // every message, with its sender
  Time now = kT0;
  std::map<std::string, DurableState> disk;  // what each node saved
  /// A node's clock rate against `now` (1 unless set): the safety argument bounds how far two
  /// nodes' clocks may differ (docs/design.md §7, "Clocks").
  std::map<std::string, double> clock_rate;

  /// `name`'s monotonic clock at `now`: every input it gets carries this time.
  Time clock(const std::string& name) const {
    const auto it = clock_rate.find(name);
    if (it == clock_rate.end()) return now;
    return kT0 + std::chrono::duration_cast<Duration>((now - kT0) * it->second);
  }

  /// Starts `cfg.name` (again, with a higher `boot`). A restart keeps the state it saved unless
  /// `past` says otherwise.
  NodeCore& add(Config cfg, std::uint64_t boot = 1, std::optional<Past> past = std::nullopt) {
    const std::string name = cfg.name;
    if (!nodes.empty()) cfg.seeds = {nodes.begin()->second->addr()};
    if (!past) past = disk.count(name) ? Past{Recall::kept, disk[name]} : Past{};
    nodes[name] =
        std::make_unique<NodeCore>(cfg, boot, boot * 7919 + name.size(), clock(name), *past);
    nodes[name]->start(clock(name));
    pump();
    return *nodes[name];
  }
  void pump() {
    std::deque<std::pair<std::string, Outgoing>> q;
    auto collect = [&] {
      for (auto& [name, n] : nodes) {
        Ready r = n->take_ready();
        if (r.save) {
          disk[name] = *r.save;
          n->saved(clock(name), true);
        }
        for (auto& e : r.events) events[name].push_back(e);
        for (auto& m : r.messages) {
          sent.emplace_back(name, m);
          q.emplace_back(name, std::move(m));
        }
      }
    };
    collect();
    while (!q.empty()) {
      auto [from, m] = std::move(q.front());
      q.pop_front();
      for (auto& [name, n] : nodes) {
        if (n->addr() != m.to_addr || cut.count(name) || cut.count(from) || isolated.count(name) ||
            isolated.count(from) || broken.count({from, name})) {
          continue;
        }
        if (no_gossip_to.count(name)) {
          Envelope bare = m.env;
          bare.gossip.clear();
          n->receive(clock(name), bare);
        } else {
          n->receive(clock(name), m.env);
        }
      }
      collect();
    }
  }
  void advance(Duration d, Duration step = ms(5)) {
    const Time end = now + d;
    while (now < end) {
      now += step;
      for (auto& [name, n] : nodes) {
        if (!cut.count(name) && n->next_wakeup() <= clock(name)) n->tick(clock(name));
      }
      pump();
    }
  }
  template <class E>
  int count(const std::string& node) {
    int k = 0;
    for (const auto& e : events[node]) k += std::holds_alternative<E>(e) ? 1 : 0;
    return k;
  }
};

// Four nodes, one watcher: a leads (priority 1) and heartbeats b every T; c and d are far.
struct FarNet : Net {
  FarNet() {
    int priority = 1;
    for (const char* n : {"a", "b", "c", "d"}) {
      Config cfg = config(n);
      cfg.strategy = "priority";
      cfg.priority = priority++;
      cfg.heartbeat_watchers = 1;
      add(cfg);
    }
    advance(ms(1500));
    for (const auto& [sender, m] : sent) last[sender] = m.env;
  }
  /// A request as `from` would send it (its last message's header, gossip removed).
  Envelope as(const std::string& from, Body body) const {
    Envelope env = last.at(from);
    env.body = std::move(body);
    env.gossip.clear();
    return env;
  }
  std::map<std::string, Envelope> last;
  /// The answer `voter` gives to `req`.
  VoteResp answer(const std::string& voter, const Envelope& req) {
    sent.clear();
    nodes[voter]->receive(now, req);
    pump();
    for (const auto& [from, m] : sent) {
      if (const auto* r = std::get_if<VoteResp>(&m.env.body); r && from == voter) return *r;
    }
    ADD_FAILURE() << voter << " did not answer";
    return {};
  }
};

/// How many pre-vote and vote requests `from` sent among net.sent[since..].
inline std::pair<int, int> campaign_requests(const Net& net, const std::string& from,
                                             std::size_t since) {
  int pre = 0, real = 0;
  for (std::size_t i = since; i < net.sent.size(); ++i) {
    if (net.sent[i].first != from) continue;
    pre += std::holds_alternative<PreVoteReq>(net.sent[i].second.env.body) ? 1 : 0;
    real += std::holds_alternative<VoteReq>(net.sent[i].second.env.body) ? 1 : 0;
  }
  return {pre, real};
}

}  // namespace elector::election_net
