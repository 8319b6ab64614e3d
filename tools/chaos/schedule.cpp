#include "schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "rng.hpp"

namespace chaos {

namespace {

enum class NodeState { running, frozen, down };

// A node thawed less than this long ago is not killed: it needs a moment to run and log the end
// of a lease that ran out while it was frozen (a SIGKILL would leave that end unrecorded).
constexpr std::int64_t kNoKillAfterThawMs = 1000;

struct Model {
  std::vector<NodeState> state;
  std::vector<std::int64_t> thawed_at;
  bool cut = false;
  std::vector<Action> pending;  // repairs not yet due

  int not_running() const {
    return static_cast<int>(std::count_if(state.begin(), state.end(),
                                          [](NodeState s) { return s != NodeState::running; }));
  }

  void apply(const Action& a) {
    const auto i = static_cast<std::size_t>(a.node);
    switch (a.kind) {
      case ActionKind::kill:
        if (state[i] == NodeState::frozen) {
          // Its thaw will never come: a restart does.
          std::erase_if(pending, [&](const Action& p) {
            return p.kind == ActionKind::thaw && p.node == a.node;
          });
        }
        state[i] = NodeState::down;
        break;
      case ActionKind::stop:
        state[i] = NodeState::down;
        break;
      case ActionKind::freeze:
        state[i] = NodeState::frozen;
        break;
      case ActionKind::restart:
        state[i] = NodeState::running;
        break;
      case ActionKind::thaw:
        state[i] = NodeState::running;
        thawed_at[i] = a.at_ms;
        break;
      case ActionKind::partition:
        cut = true;
        break;
      case ActionKind::heal:
        cut = false;
        break;
    }
  }

  std::vector<Action>::iterator earliest_pending() {
    return std::min_element(pending.begin(), pending.end(),
                            [](const Action& x, const Action& y) { return x.at_ms < y.at_ms; });
  }
};

// Node 0 (box1, the best priority and so usually the leader) is drawn twice as often.
int pick(Rng& rng, const std::vector<int>& candidates) {
  std::vector<int> weighted;
  for (int c : candidates) {
    weighted.push_back(c);
    if (c == 0) weighted.push_back(c);
  }
  return weighted[static_cast<std::size_t>(
      rng.between(0, static_cast<std::int64_t>(weighted.size()) - 1))];
}

std::vector<int> random_group(Rng& rng, int nodes) {
  const auto size = static_cast<int>(rng.between(1, nodes - 1));
  std::vector<int> all(static_cast<std::size_t>(nodes));
  for (int i = 0; i < nodes; ++i) all[static_cast<std::size_t>(i)] = i;
  // Fisher-Yates with our own generator, so the shuffle is the same everywhere.
  for (int i = nodes - 1; i > 0; --i) {
    std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(rng.between(0, i))]);
  }
  std::vector<int> group(all.begin(), all.begin() + size);
  std::sort(group.begin(), group.end());
  return group;
}

// Draws one fault at `t`, or nothing when no fault fits the model's state.
std::optional<Action> draw_fault(Rng& rng, const ScheduleParams& p, const Model& m,
                                 std::int64_t t) {
  std::vector<int> runnable, killable;
  for (int i = 0; i < p.nodes; ++i) {
    const auto s = m.state[static_cast<std::size_t>(i)];
    if (s == NodeState::running) runnable.push_back(i);
    const bool settled = t - m.thawed_at[static_cast<std::size_t>(i)] >= kNoKillAfterThawMs;
    if (s == NodeState::frozen || (s == NodeState::running && settled)) killable.push_back(i);
  }
  const bool room = m.not_running() < p.max_down;
  if (!room) {
    // Killing a frozen node does not take another one down.
    std::erase_if(killable, [&](int i) {
      return m.state[static_cast<std::size_t>(i)] == NodeState::running;
    });
  }
  struct Choice {
    ActionKind kind;
    int weight;
    bool possible;
  };
  const Choice choices[] = {
      {ActionKind::kill, 30, !killable.empty()},
      {ActionKind::freeze, 25, room && !runnable.empty()},
      {ActionKind::stop, 15, room && !runnable.empty()},
      {ActionKind::partition, 20, p.partitions && !m.cut},
  };
  int total = 0;
  for (const auto& c : choices) total += c.possible ? c.weight : 0;
  if (total == 0) return std::nullopt;
  auto r = rng.between(0, total - 1);
  for (const auto& c : choices) {
    if (!c.possible) continue;
    if (r >= c.weight) {
      r -= c.weight;
      continue;
    }
    Action a;
    a.at_ms = t;
    a.kind = c.kind;
    if (c.kind == ActionKind::partition) {
      a.group = random_group(rng, p.nodes);
    } else {
      a.node = pick(rng, c.kind == ActionKind::kill ? killable : runnable);
    }
    return a;
  }
  return std::nullopt;
}

// The repair of a fault, drawn at the fault's time.
std::optional<Action> draw_repair(Rng& rng, const ScheduleParams& p, const Action& fault) {
  Action r;
  r.node = fault.node;
  switch (fault.kind) {
    case ActionKind::kill:
      r.kind = ActionKind::restart;
      r.at_ms = fault.at_ms + rng.between(100, 3000);
      r.lose_bindings = p.lose_bindings_one_in > 0 && rng.between(1, p.lose_bindings_one_in) == 1;
      return r;
    case ActionKind::stop:
      r.kind = ActionKind::restart;
      r.at_ms = fault.at_ms + rng.between(300, 3000);
      return r;
    case ActionKind::freeze:
      // Short freezes end inside the lease, long ones well past 4T.
      r.kind = ActionKind::thaw;
      r.at_ms = fault.at_ms + rng.between(30, 2500);
      return r;
    case ActionKind::partition:
      r.kind = ActionKind::heal;
      r.node = -1;
      r.at_ms = fault.at_ms + rng.between(300, 5000);
      return r;
    default:
      return std::nullopt;
  }
}

}  // namespace

const char* kind_name(ActionKind k) {
  switch (k) {
    case ActionKind::kill:
      return "kill";
    case ActionKind::restart:
      return "restart";
    case ActionKind::freeze:
      return "freeze";
    case ActionKind::thaw:
      return "thaw";
    case ActionKind::stop:
      return "stop";
    case ActionKind::partition:
      return "partition";
    case ActionKind::heal:
      return "heal";
  }
  return "?";
}

std::vector<Action> make_schedule(const ScheduleParams& p) {
  Rng rng(p.seed);
  Model m;
  m.state.assign(static_cast<std::size_t>(p.nodes), NodeState::running);
  m.thawed_at.assign(static_cast<std::size_t>(p.nodes), -kNoKillAfterThawMs);
  std::vector<Action> out;
  std::int64_t next_fault = p.faults_from_ms;
  while (true) {
    auto due = m.earliest_pending();
    const bool repair_first = due != m.pending.end() && due->at_ms <= next_fault;
    const std::int64_t t = repair_first ? due->at_ms : next_fault;
    if (t > p.faults_until_ms) break;
    if (repair_first) {
      const Action a = *due;
      m.pending.erase(due);
      m.apply(a);
      out.push_back(a);
      continue;
    }
    if (auto f = draw_fault(rng, p, m, t)) {
      m.apply(*f);
      out.push_back(*f);
      if (auto r = draw_repair(rng, p, *f)) m.pending.push_back(*r);
    }
    next_fault = t + rng.between(p.min_gap_ms, p.max_gap_ms);
  }
  return out;
}

std::string describe(const Action& a) {
  char head[64];
  std::snprintf(head, sizeof head, "%lld.%03llds %s", static_cast<long long>(a.at_ms / 1000),
                static_cast<long long>(a.at_ms % 1000), kind_name(a.kind));
  std::string s = head;
  if (a.node >= 0) s += " box" + std::to_string(a.node + 1);
  if (a.kind == ActionKind::partition) {
    s += " {";
    for (std::size_t i = 0; i < a.group.size(); ++i) {
      s += (i ? "," : "") + std::string("box") + std::to_string(a.group[i] + 1);
    }
    s += "} | rest";
  }
  if (a.lose_bindings) s += " (bindings lost)";
  return s;
}

}  // namespace chaos
