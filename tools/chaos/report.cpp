#include "report.hpp"

#include <fmt/format.h>

namespace chaos {

namespace {

double ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

std::string leadership(const RunLog& run, const Leadership& l) {
  return fmt::format("{}#{} term {} [{:.3f} s, {:.3f} s) ended by {}", l.node, l.incarnation,
                     l.term, ms(l.from - run.start) / 1e3, ms(l.to - run.start) / 1e3, l.end);
}

std::string faults_text(const RunLog& run) {
  std::string s;
  for (const auto& [kind, n] : run.faults)
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", kind, n);
  return s.empty() ? "none" : s;
}

}  // namespace

std::string report_text(const RunLog& run, const Report& r) {
  std::string s;
  s += fmt::format("seed {}: {} nodes, quorum {}, heartbeat {} ms, partitions {}\n", run.seed,
                   run.nodes.size(), run.quorum_size, run.heartbeat_ms,
                   run.netns ? "on (network namespaces)" : "off (no network namespaces)");
  s += fmt::format("run: {:.1f} s, {} processes\n", ms(run.end - run.start) / 1e3, r.processes);
  s += "faults: " + faults_text(run) + "\n";
  std::string losses;
  for (const auto& [why, n] : r.losses)
    losses += fmt::format("{}{} {}", losses.empty() ? "" : ", ", why, n);
  s += fmt::format("leaderships: {} ({}); election_started lines: {}\n", r.leaderships.size(),
                   losses.empty() ? "none" : losses, r.election_events);
  s += fmt::format(
      "quorum up and connected: {:.1f} s, of which without leader {:.1f} s; longest without "
      "leader {:.0f} ms (at {:.3f} s); longest without an agreed leader {:.0f} ms (at {:.3f} s)\n",
      ms(r.quorum_ns) / 1e3, ms(r.leaderless_ns) / 1e3, ms(r.longest_leaderless.ns),
      ms(r.longest_leaderless.at) / 1e3, ms(r.longest_unagreed.ns),
      ms(r.longest_unagreed.at) / 1e3);
  s += fmt::format("agreed leader at the end: {}", r.agreed_at_end ? r.end_leader : "NONE");
  if (r.agreed_after_final_heal_ns) {
    s += fmt::format(
        "; first agreed {:.0f} ms after the final heal, agreed {:.0f} % of the quiet "
        "period",
        ms(*r.agreed_after_final_heal_ns), 100 * r.quiet_agreed_share);
  }
  s += "\n";
  s += fmt::format(
      "overlapping leaderships: {}; term regressions: {}; terms out of order: {}; crashes: {}\n",
      r.overlaps.size(), r.regressions.size(), r.term_order.size(), r.crashes.size());
  if (!r.majority) {
    s += "quorum is not a majority: two leaders and terms out of order are allowed (not counted)\n";
  }
  for (const auto& o : r.overlaps) {
    s += fmt::format("OVERLAP {:.3f} ms: {} | {}\n", ms(o.ns), leadership(run, o.a),
                     leadership(run, o.b));
  }
  for (const auto& g : r.regressions) {
    s += fmt::format("TERM REGRESSION {}#{} at {:.3f} s: {} with term {} after term {}\n", g.node,
                     g.incarnation, ms(g.t - run.start) / 1e3, g.event, g.after, g.before);
  }
  for (const auto& t : r.term_order) {
    s += fmt::format("TERM ORDER {} then {}\n", leadership(run, t.earlier),
                     leadership(run, t.later));
  }
  for (const auto& c : r.crashes) {
    s += fmt::format("CRASH {}#{} pid {}: {}\n", c.node, c.incarnation, c.pid, c.how);
  }
  if (!r.live) {
    s += "LIVENESS: no leader agreed by every running node for most of the quiet period\n";
  }
  for (const auto& p : r.problems) s += "PROBLEM " + p + "\n";
  return s;
}

nlohmann::json report_json(const RunLog& run, const Report& r) {
  nlohmann::json j;
  j["seed"] = run.seed;
  j["nodes"] = run.nodes.size();
  j["quorum_size"] = run.quorum_size;
  j["heartbeat_interval_ms"] = run.heartbeat_ms;
  j["partitions"] = run.netns;
  j["run_s"] = ms(run.end - run.start) / 1e3;
  j["processes"] = r.processes;
  j["faults"] = run.faults;
  j["leaderships"] = r.leaderships.size();
  j["leadership_ends"] = r.losses;
  j["election_started_lines"] = r.election_events;
  j["quorum_connected_s"] = ms(r.quorum_ns) / 1e3;
  j["leaderless_with_quorum_s"] = ms(r.leaderless_ns) / 1e3;
  j["longest_leaderless_with_quorum_ms"] = ms(r.longest_leaderless.ns);
  j["longest_unagreed_with_quorum_ms"] = ms(r.longest_unagreed.ns);
  j["agreed_at_end"] = r.agreed_at_end;
  j["quiet_agreed_share"] = r.quiet_agreed_share;
  j["live"] = r.live;
  j["end_leader"] = r.end_leader;
  if (r.agreed_after_final_heal_ns) {
    j["agreed_after_final_heal_ms"] = ms(*r.agreed_after_final_heal_ns);
  }
  j["overlaps"] = r.overlaps.size();
  j["term_regressions"] = r.regressions.size();
  j["terms_out_of_order"] = r.term_order.size();
  j["crashes"] = r.crashes.size();
  j["problems"] = r.problems;
  j["majority_quorum"] = r.majority;
  j["violations"] = r.violations();
  return j;
}

}  // namespace chaos
