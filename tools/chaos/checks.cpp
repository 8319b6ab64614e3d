#include "checks.hpp"

#include <algorithm>
#include <unordered_map>

#include "quorum.hpp"

namespace chaos {

namespace {

std::string name_of(const Process& p) {
  return p.node + "#" + std::to_string(p.incarnation);
}

// Where a leadership ends when the process logged no leadership_lost for it.
void end_unlogged(const RunLog& run, const Process& p, Leadership& l) {
  if (p.killed) {
    for (const auto& f : p.freezes) {
      if (f.from <= *p.killed && (!f.to || *f.to > *p.killed)) {
        l.to = std::max(l.from, f.from);
        l.end = "killed_frozen";
        return;
      }
    }
    l.to = std::max(l.from, *p.killed);
    l.end = "killed";
  } else if (p.exit) {
    l.to = std::max(l.from, p.exit->t);
    l.end = "exited";
  } else {
    l.to = std::max(l.from, run.end);
    l.end = "run_end";
  }
}

std::vector<Leadership> leaderships_of_process(const RunLog& run, const Process& p,
                                               std::vector<std::string>& problems) {
  std::vector<Leadership> out;
  std::optional<Leadership> open;
  for (const auto& e : p.events) {
    if (e.event == "leadership_acquired") {
      if (open) {
        problems.push_back(name_of(p) + " acquired term " + std::to_string(e.term.value_or(0)) +
                           " while it held term " + std::to_string(open->term));
        open->to = e.t;
        open->end = "acquired_again";
        out.push_back(*open);
      }
      open = Leadership{p.node, p.incarnation, e.term.value_or(0), e.t, e.t, ""};
    } else if (e.event == "leadership_lost") {
      if (!open) {
        problems.push_back(name_of(p) + " lost term " + std::to_string(e.term.value_or(0)) +
                           " it never acquired");
        continue;
      }
      open->to = std::max(open->from, e.effective);
      open->end = e.reason;
      out.push_back(*open);
      open.reset();
    }
  }
  if (open) {
    end_unlogged(run, p, *open);
    out.push_back(*open);
  }
  return out;
}

std::vector<Overlap> overlaps_of(const std::vector<Leadership>& ls) {
  std::vector<Overlap> out;
  for (std::size_t i = 0; i < ls.size(); ++i) {
    for (std::size_t j = i + 1; j < ls.size() && ls[j].from < ls[i].to; ++j) {
      const bool same = ls[i].node == ls[j].node && ls[i].incarnation == ls[j].incarnation;
      const auto both = std::min(ls[i].to, ls[j].to) - ls[j].from;
      if (!same && both > 0) out.push_back(Overlap{ls[i], ls[j], both});
    }
  }
  return out;
}

void check_terms(const Process& p, Report& r) {
  std::uint64_t highest = 0;
  for (const auto& e : p.events) {
    if (!e.term) continue;
    if (*e.term < highest) {
      r.regressions.push_back(
          TermRegression{p.node, p.incarnation, e.t, e.event, highest, *e.term});
    }
    highest = std::max(highest, *e.term);
  }
}

std::optional<Crash> crash_of(const Process& p) {
  Crash c{p.node, p.incarnation, p.pid, 0, ""};
  if (p.stop_timed_out) {
    c.t = p.killed.value_or(0);
    c.how = "did not stop after SIGTERM";
    return c;
  }
  if (!p.exit) {
    c.how = "never reaped";
    return c;
  }
  c.t = p.exit->t;
  const bool by_kill = p.exit->signaled && p.exit->value == 9 && p.killed;
  const bool by_term = !p.exit->signaled && p.exit->value == 0 && p.terminated;
  if (by_kill || by_term) return std::nullopt;
  c.how = (p.exit->signaled ? "signal " : "exit code ") + std::to_string(p.exit->value);
  return c;
}

// The world between two instants at which nothing changes: who is up, who leads, who sees whom.
class Timeline {
 public:
  Timeline(const RunLog& run, const std::vector<Leadership>& ls) : run_(run) {
    for (std::size_t i = 0; i < run.nodes.size(); ++i) index_[run.nodes[i]] = i;
    by_node_.resize(run.nodes.size());
    for (const auto& p : run.procs) {
      auto it = index_.find(p.node);
      if (it != index_.end()) by_node_[it->second].push_back(&p);
    }
    for (auto& v : by_node_) {
      std::sort(v.begin(), v.end(),
                [](const Process* a, const Process* b) { return a->started < b->started; });
    }
    for (const auto& l : ls) held_[l.node + "#" + std::to_string(l.incarnation)].push_back(&l);
    for (const auto& p : run.procs) {
      auto& v = views_[&p];
      for (const auto& e : p.events) {
        if (e.event == "leader_changed") v.emplace_back(e.t, e.leader);
      }
    }
  }

  struct State {
    bool quorum = false;
    std::optional<std::string> leader;
    bool agreed = false;
  };

  State at(std::int64_t t) const {
    const std::size_t n = run_.nodes.size();
    std::vector<bool> up(n, false);
    std::vector<const Process*> cur(n, nullptr);
    for (std::size_t i = 0; i < n; ++i) {
      for (const Process* p : by_node_[i]) {
        if (p->started <= t) cur[i] = p;
      }
      const Process* p = cur[i];
      if (!p) continue;
      const auto down = p->down_from();
      up[i] = (!down || t < *down) && !p->frozen_at(t);
    }
    const auto side = sides_at(t);
    State s;
    s.quorum = quorum_connected(up, side, run_.quorum_size);
    std::optional<std::size_t> leader_index;
    for (std::size_t i = 0; i < n && !leader_index; ++i) {
      if (!cur[i]) continue;
      auto it = held_.find(cur[i]->node + "#" + std::to_string(cur[i]->incarnation));
      if (it == held_.end()) continue;
      for (const Leadership* l : it->second) {
        if (l->from <= t && t < l->to) leader_index = i;
      }
    }
    if (!leader_index) return s;
    s.leader = run_.nodes[*leader_index];
    s.agreed = s.quorum;
    for (std::size_t i = 0; i < n && s.agreed; ++i) {
      if (!up[i] || side[i] != side[*leader_index]) continue;
      s.agreed = view_of(*cur[i], t) == s.leader;
    }
    return s;
  }

 private:
  std::vector<int> sides_at(std::int64_t t) const {
    std::vector<int> side(run_.nodes.size(), 0);
    for (const auto& c : run_.cuts) {
      if (!(c.from <= t && t < c.to)) continue;
      for (std::size_t i = 0; i < side.size(); ++i) {
        side[i] = static_cast<int>(c.groups.size());  // in no group: alone
        for (std::size_t g = 0; g < c.groups.size(); ++g) {
          const auto& grp = c.groups[g];
          if (std::find(grp.begin(), grp.end(), run_.nodes[i]) != grp.end()) {
            side[i] = static_cast<int>(g);
          }
        }
      }
    }
    return side;
  }

  // The leader `p` names at `t`: its last leader_changed up to then.
  std::optional<std::string> view_of(const Process& p, std::int64_t t) const {
    const auto it = views_.find(&p);
    if (it == views_.end()) return std::nullopt;
    const auto& v = it->second;
    auto after = std::upper_bound(v.begin(), v.end(), t,
                                  [](std::int64_t x, const View& w) { return x < w.first; });
    if (after == v.begin()) return std::nullopt;
    return std::prev(after)->second;
  }

  using View = std::pair<std::int64_t, std::optional<std::string>>;

  const RunLog& run_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::vector<const Process*>> by_node_;
  std::unordered_map<std::string, std::vector<const Leadership*>> held_;
  std::unordered_map<const Process*, std::vector<View>> views_;
};

std::vector<std::int64_t> change_points(const RunLog& run, const std::vector<Leadership>& ls) {
  std::vector<std::int64_t> pts{run.start, run.end};
  for (const auto& p : run.procs) {
    pts.push_back(p.started);
    if (auto d = p.down_from()) pts.push_back(*d);
    for (const auto& f : p.freezes) {
      pts.push_back(f.from);
      if (f.to) pts.push_back(*f.to);
    }
    for (const auto& e : p.events) {
      if (e.event == "leader_changed") pts.push_back(e.t);
    }
  }
  for (const auto& c : run.cuts) {
    pts.push_back(c.from);
    if (c.to != INT64_MAX) pts.push_back(c.to);
  }
  for (const auto& l : ls) {
    pts.push_back(l.from);
    pts.push_back(l.to);
  }
  std::erase_if(pts, [&](std::int64_t t) { return t < run.start || t > run.end; });
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  return pts;
}

// Longest stretches without a leader (or without agreement) while a quorum was connected.
void sweep(const RunLog& run, const std::vector<Leadership>& ls, Report& r) {
  // Plain instants with a "none" value: GCC's -Wmaybe-uninitialized misreads optionals here.
  constexpr std::int64_t kNone = INT64_MIN;
  const Timeline tl(run, ls);
  const auto pts = change_points(run, ls);
  std::int64_t leaderless_since = kNone, unagreed_since = kNone, agreed_since = kNone;
  std::int64_t quiet_agreed = 0;  // agreed time since the final heal
  auto close = [&](std::int64_t& since, std::int64_t t, Stretch& longest) {
    if (since != kNone && t - since > longest.ns) longest = Stretch{t - since, since - run.start};
    since = kNone;
  };
  Timeline::State last;
  for (std::size_t k = 0; k + 1 < pts.size(); ++k) {
    const auto a = pts[k], b = pts[k + 1];
    const auto s = tl.at(a);
    last = s;
    if (s.quorum) {
      r.quorum_ns += b - a;
      if (!s.leader) r.leaderless_ns += b - a;
    }
    if (s.quorum && !s.leader) {
      if (leaderless_since == kNone) leaderless_since = a;
    } else {
      close(leaderless_since, a, r.longest_leaderless);
    }
    if (s.quorum && !s.agreed) {
      if (unagreed_since == kNone) unagreed_since = a;
    } else {
      close(unagreed_since, a, r.longest_unagreed);
    }
    if (!s.agreed) {
      agreed_since = kNone;
    } else if (agreed_since == kNone) {
      agreed_since = a;
    }
    if (run.final_heal && a >= *run.final_heal && s.agreed) {
      quiet_agreed += b - a;
      if (!r.agreed_after_final_heal_ns) r.agreed_after_final_heal_ns = a - *run.final_heal;
    }
  }
  close(leaderless_since, run.end, r.longest_leaderless);
  close(unagreed_since, run.end, r.longest_unagreed);
  r.agreed_at_end = last.agreed;
  r.end_leader = last.leader.value_or("");
  if (run.final_heal && run.end > *run.final_heal) {
    r.quiet_agreed_share =
        static_cast<double>(quiet_agreed) / static_cast<double>(run.end - *run.final_heal);
    r.live = r.agreed_after_final_heal_ns && r.quiet_agreed_share >= 0.5;
  } else {
    r.live = r.agreed_at_end;
  }
}

}  // namespace

int Report::violations() const {
  const auto safety = majority ? overlaps.size() + term_order.size() : 0;
  return static_cast<int>(safety + regressions.size() + crashes.size()) + (live ? 0 : 1);
}

std::vector<Leadership> leaderships_of(const RunLog& run) {
  std::vector<Leadership> all;
  std::vector<std::string> ignored;
  for (const auto& p : run.procs) {
    auto ls = leaderships_of_process(run, p, ignored);
    all.insert(all.end(), ls.begin(), ls.end());
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Leadership& a, const Leadership& b) { return a.from < b.from; });
  return all;
}

Report check(const RunLog& run) {
  Report r;
  r.problems = run.problems;
  r.majority = 2 * run.quorum_size > static_cast<int>(run.nodes.size());
  for (const auto& p : run.procs) {
    leaderships_of_process(run, p, r.problems);  // only for its problems
    check_terms(p, r);
    if (auto c = crash_of(p)) r.crashes.push_back(*c);
    r.election_events +=
        static_cast<int>(std::count_if(p.events.begin(), p.events.end(), [](const NodeEvent& e) {
          return e.event == "election_started";
        }));
  }
  r.processes = static_cast<int>(run.procs.size());
  r.leaderships = leaderships_of(run);
  for (const auto& l : r.leaderships) ++r.losses[l.end];
  r.overlaps = overlaps_of(r.leaderships);
  for (std::size_t i = 0; i + 1 < r.leaderships.size(); ++i) {
    if (r.leaderships[i + 1].term <= r.leaderships[i].term) {
      r.term_order.push_back(TermOrder{r.leaderships[i], r.leaderships[i + 1]});
    }
  }
  if (run.nodes.empty()) {
    r.problems.push_back("the fault log has no run_start line");
  } else {
    sweep(run, r.leaderships, r);
  }
  return r;
}

}  // namespace chaos
