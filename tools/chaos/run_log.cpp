#include "run_log.hpp"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

namespace chaos {

using Json = nlohmann::json;

namespace {

std::optional<Json> parse_line(const std::string& line, std::string& problem) {
  if (line.empty()) return std::nullopt;
  auto j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("t_mono_ns") ||
      !j["t_mono_ns"].is_number_integer()) {
    problem = "not a JSON object with t_mono_ns: " + line.substr(0, 200);
    return std::nullopt;
  }
  return j;
}

template <class T>
T get_or(const Json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

Process* find_proc(RunLog& run, const std::string& node, int incarnation) {
  for (auto& p : run.procs) {
    if (p.node == node && p.incarnation == incarnation) return &p;
  }
  return nullptr;
}

void note_process_fault(RunLog& run, const std::string& fault, const Json& j, std::int64_t t) {
  const auto node = get_or<std::string>(j, "node", "");
  const int inc = get_or<int>(j, "incarnation", -1);
  Process* p = find_proc(run, node, inc);
  if (!p) {
    run.problems.push_back(fault + " of unknown process " + node + "#" + std::to_string(inc));
    return;
  }
  if (fault == "kill") {
    if (!p->killed) p->killed = t;
    if (get_or<std::string>(j, "why", "") == "stop_timeout") p->stop_timed_out = true;
  } else if (fault == "term") {
    if (!p->terminated) p->terminated = t;
  } else if (fault == "freeze") {
    p->freezes.push_back(Freeze{t, std::nullopt});
  } else if (fault == "thaw") {
    if (!p->freezes.empty() && !p->freezes.back().to) p->freezes.back().to = t;
  } else if (fault == "exit") {
    Exit e;
    e.t = t;
    e.signaled = j.contains("signal");
    e.value = e.signaled ? get_or<int>(j, "signal", 0) : get_or<int>(j, "code", 0);
    p->exit = e;
    // A process that ended while stopped is no longer frozen.
    if (!p->freezes.empty() && !p->freezes.back().to) p->freezes.back().to = t;
  }
}

}  // namespace

std::optional<std::int64_t> Process::down_from() const {
  std::optional<std::int64_t> d;
  for (const auto& x : {killed, terminated}) {
    if (x && (!d || *x < *d)) d = x;
  }
  if (exit && (!d || exit->t < *d)) d = exit->t;
  return d;
}

bool Process::frozen_at(std::int64_t t) const {
  return std::any_of(freezes.begin(), freezes.end(),
                     [&](const Freeze& f) { return f.from <= t && (!f.to || t < *f.to); });
}

RunLog parse_fault_log(const std::vector<std::string>& lines) {
  RunLog run;
  for (const auto& line : lines) {
    std::string problem;
    const auto j = parse_line(line, problem);
    if (!j) {
      if (!problem.empty()) run.problems.push_back("fault log: " + problem);
      continue;
    }
    const auto t = (*j)["t_mono_ns"].get<std::int64_t>();
    const auto fault = get_or<std::string>(*j, "fault", "");
    run.end = std::max(run.end, t);
    if (fault == "run_start") {
      run.start = t;
      run.seed = get_or<std::uint64_t>(*j, "seed", 0);
      run.nodes = get_or<std::vector<std::string>>(*j, "nodes", {});
      run.quorum_size = get_or<int>(*j, "quorum_size", 1);
      run.heartbeat_ms = get_or<std::int64_t>(*j, "heartbeat_interval_ms", 100);
      run.netns = get_or<bool>(*j, "netns", false);
    } else if (fault == "start") {
      Process p;
      p.node = get_or<std::string>(*j, "node", "");
      p.incarnation = get_or<int>(*j, "incarnation", 0);
      p.pid = get_or<std::int64_t>(*j, "pid", 0);
      p.started = t;
      p.event_log = get_or<std::string>(*j, "event_log", "");
      run.procs.push_back(std::move(p));
    } else if (fault == "kill" || fault == "term" || fault == "freeze" || fault == "thaw" ||
               fault == "exit") {
      note_process_fault(run, fault, *j, t);
    } else if (fault == "partition") {
      Cut c;
      c.from = t;
      c.groups = get_or<std::vector<std::vector<std::string>>>(*j, "groups", {});
      run.cuts.push_back(std::move(c));
    } else if (fault == "heal") {
      if (!run.cuts.empty() && run.cuts.back().to == INT64_MAX) {
        run.cuts.back().to = get_or<std::int64_t>(*j, "done_ns", t);
      }
    } else if (fault == "final_heal") {
      run.final_heal = t;
    } else if (fault == "run_end") {
      run.ended = true;
    }
    if ((fault == "partition" || fault == "heal") && !get_or<bool>(*j, "ok", true)) {
      run.problems.push_back("fault log: a " + fault + " was not fully applied (iptables failed)");
    }
    static const char* counted[] = {"kill", "term", "freeze", "thaw", "partition", "heal"};
    for (const char* c : counted) {
      if (fault == c && get_or<std::string>(*j, "why", "") != "shutdown") ++run.faults[fault];
    }
    if (fault == "start" && get_or<int>(*j, "incarnation", 0) > 0) ++run.faults["restart"];
    if (fault == "start" && get_or<bool>(*j, "bindings_lost", false)) {
      ++run.faults["restart_bindings_lost"];
    }
  }
  // run_end marks the end of the observed run; later lines are the shutdown.
  for (const auto& line : lines) {
    std::string ignored;
    const auto j = parse_line(line, ignored);
    if (j && get_or<std::string>(*j, "fault", "") == "run_end") {
      run.end = (*j)["t_mono_ns"].get<std::int64_t>();
    }
  }
  return run;
}

std::optional<NodeEvent> parse_event(const std::string& line, std::string& problem) {
  const auto j = parse_line(line, problem);
  if (!j) return std::nullopt;
  NodeEvent e;
  e.t = (*j)["t_mono_ns"].get<std::int64_t>();
  e.event = get_or<std::string>(*j, "event", "");
  if (e.event.empty()) {
    problem = "event line without event: " + line.substr(0, 200);
    return std::nullopt;
  }
  if (auto it = j->find("leader"); it != j->end() && it->is_string()) {
    e.leader = it->get<std::string>();
  }
  if (auto it = j->find("term"); it != j->end() && it->is_number_unsigned()) {
    e.term = it->get<std::uint64_t>();
  }
  e.effective = get_or<std::int64_t>(*j, "effective_mono_ns", 0);
  e.reason = get_or<std::string>(*j, "reason", "");
  if (e.event == "leadership_lost" && !j->contains("effective_mono_ns")) {
    problem = "leadership_lost without effective_mono_ns: " + line.substr(0, 200);
    return std::nullopt;
  }
  return e;
}

void attach_events(RunLog& run, Process& p, const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    std::string problem;
    if (auto e = parse_event(line, problem)) {
      p.events.push_back(std::move(*e));
    } else if (!problem.empty()) {
      run.problems.push_back(p.node + "#" + std::to_string(p.incarnation) + ": " + problem);
    }
  }
  if (!run.ended && !p.events.empty()) run.end = std::max(run.end, p.events.back().t);
}

namespace {

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

RunLog load_run(const std::filesystem::path& fault_log) {
  if (!std::filesystem::exists(fault_log)) {
    RunLog run;
    run.problems.push_back("no fault log at " + fault_log.string());
    return run;
  }
  RunLog run = parse_fault_log(read_lines(fault_log));
  const auto dir = fault_log.parent_path();
  for (auto& p : run.procs) {
    const auto path = dir / p.event_log;
    // A process killed before it wrote anything leaves no file: that is not a problem.
    if (std::filesystem::exists(path)) attach_events(run, p, read_lines(path));
  }
  return run;
}

}  // namespace chaos
