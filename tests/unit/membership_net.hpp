// The driver of the membership tests (tests/unit/membership_*_test.cpp): a few Membership
// instances, the SWIM layer alone without a NodeCore, wired with instant delivery. Net is a
// minimal loop: a queue of outboxes delivered in order, a fixed tick of kStep, and no faults
// beyond cut and crashed nodes; every message delivered is kept in Net::log. Time moves only when
// a test moves it (step, run, run_until, or Net::now by hand). Single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/membership.hpp"

namespace elector::membership_net {

inline const Time kT0 = Time(std::chrono::hours(1));
inline const Duration kStep = ms(10);

inline std::string addr_of(const std::string& name) {
  return name + ":7946";
}

struct Node {
  std::string name;
  std::string addr;
  std::uint64_t boot = 1;
  std::unique_ptr<core::Rng> rng;
  std::unique_ptr<core::Membership> m;
  core::Outbox out;
  std::vector<Event> events;
};

struct Delivered {
  std::string from;
  std::string to;
  core::Envelope env;
};

/// Membership instances that reach each other instantly (or not at all, when cut or crashed).
struct Net {
  MembershipTuning tuning;
  Time now = kT0;
  std::map<std::string, std::unique_ptr<Node>> nodes;
  std::set<std::string> cut;      // messages to and from these are dropped; they still tick
  std::set<std::string> crashed;  // dropped and no longer ticked
  std::vector<Delivered> log;     // every message delivered, in order
  /// Every push-pull sent, by receiver address, delivered or not.
  std::map<std::string, int> push_pulls_to;

  /// Creates `name` and starts it with `seeds`; messages are not exchanged yet.
  Node& create(const std::string& name, std::vector<std::string> seeds, std::uint64_t boot = 1) {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->addr = addr_of(name);
    n->boot = boot;
    std::uint64_t seed = boot * 7919;
    for (const char ch : name) seed = seed * 131 + static_cast<unsigned char>(ch);
    n->rng = std::make_unique<core::Rng>(seed);
    core::MemberUpdate self;
    self.name = name;
    self.addr = n->addr;
    self.boot = boot;
    self.meta.settings_hash = 77;
    n->m = std::make_unique<core::Membership>(tuning, self, now, *n->rng);
    n->m->start(now, seeds, n->out);
    Node& ref = *n;
    nodes[name] = std::move(n);
    crashed.erase(name);
    cut.erase(name);
    return ref;
  }
  /// Creates and starts `name` (joining through `seed` when given) and exchanges messages.
  Node& add(const std::string& name, const std::string& seed = "", std::uint64_t boot = 1) {
    std::vector<std::string> seeds;
    if (!seed.empty()) seeds.push_back(addr_of(seed));
    Node& n = create(name, seeds, boot);
    flush();
    return n;
  }
  Node& node(const std::string& name) { return *nodes.at(name); }
  core::Membership& m(const std::string& name) { return *nodes.at(name)->m; }

  bool reachable(const std::string& name) const { return !cut.count(name) && !crashed.count(name); }

  Node* target_of(const core::Outbox::Msg& msg) {
    if (!msg.to_name.empty()) {
      auto it = nodes.find(msg.to_name);
      return it == nodes.end() ? nullptr : it->second.get();
    }
    for (auto& [name, n] : nodes) {
      if (n->addr == msg.to_addr) return n.get();
    }
    return nullptr;
  }

  /// Turns `n`'s outbox into envelopes (header and gossip filled as NodeCore does).
  std::vector<std::pair<Node*, core::Envelope>> drain(Node& n) {
    std::vector<std::pair<Node*, core::Envelope>> res;
    for (auto& e : n.out.events) n.events.push_back(std::move(e));
    n.out.events.clear();
    for (auto& msg : n.out.msgs) {
      if (std::holds_alternative<core::PushPull>(msg.body)) ++push_pulls_to[msg.to_addr];
      core::Envelope env;
      env.header.self = n.m->self_record(now);
      env.body = std::move(msg.body);
      env.gossip = n.m->take_gossip();
      res.emplace_back(target_of(msg), std::move(env));
    }
    n.out.msgs.clear();
    return res;
  }

  /// Delivers every pending message (and the ones they cause) at `now`.
  void flush() {
    std::deque<std::tuple<std::string, Node*, core::Envelope>> q;
    auto collect = [&] {
      for (auto& [name, n] : nodes) {
        for (auto& [to, env] : drain(*n)) q.emplace_back(name, to, std::move(env));
      }
    };
    collect();
    while (!q.empty()) {
      auto [from, to, env] = std::move(q.front());
      q.pop_front();
      if (to && reachable(from) && reachable(to->name)) {
        log.push_back(Delivered{from, to->name, env});
        to->m->on_envelope(now, env, 0, to->out);
      }
      collect();
    }
  }

  void step() {
    now += kStep;
    for (auto& [name, n] : nodes) {
      if (!crashed.count(name)) n->m->tick(now, n->out);
    }
    flush();
  }
  void run(Duration d) {
    const Time end = now + d;
    while (now < end) step();
  }
  /// Steps until `pred` holds or `limit` passes; the instant it first held.
  std::optional<Time> run_until(const std::function<bool()>& pred, Duration limit) {
    const Time end = now + limit;
    while (!pred()) {
      if (now >= end) return std::nullopt;
      step();
    }
    return now;
  }
};

template <class E>
std::vector<E> events_of(const Node& n) {
  std::vector<E> res;
  for (const auto& e : n.events) {
    if (const auto* x = std::get_if<E>(&e)) res.push_back(*x);
  }
  return res;
}

inline int ups(const Node& n, const std::string& member) {
  int k = 0;
  for (const auto& e : events_of<MemberUp>(n)) k += e.member == member ? 1 : 0;
  return k;
}

inline std::vector<std::string> downs(const Node& n, const std::string& member) {
  std::vector<std::string> reasons;
  for (const auto& e : events_of<MemberDown>(n)) {
    if (e.member == member) reasons.emplace_back(to_string(e.reason));
  }
  return reasons;
}

inline std::optional<core::MemberStatus> status(const core::Membership& m,
                                                const std::string& member) {
  const core::Member* x = m.find(member);
  if (!x) return std::nullopt;
  return x->status;
}

}  // namespace elector::membership_net
