// Builds synthetic chaos runs (fault log + event logs) for the checker's tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_log.hpp"

namespace chaos::test {

/// Milliseconds from the run's start (1000 s on the monotonic clock) in nanoseconds.
inline std::int64_t ms(double m) {
  return 1'000'000'000'000 + static_cast<std::int64_t>(m * 1e6);
}

class RunBuilder {
 public:
  explicit RunBuilder(int nodes = 3, int quorum = 2) {
    nlohmann::json names = nlohmann::json::array();
    for (int i = 1; i <= nodes; ++i) names.push_back("box" + std::to_string(i));
    fault(0, "run_start",
          {{"seed", 7}, {"nodes", names}, {"quorum_size", quorum}, {"heartbeat_interval_ms", 50}});
  }

  void fault(double at, const std::string& kind, nlohmann::json fields = nlohmann::json::object()) {
    fields["t_mono_ns"] = ms(at);
    fields["fault"] = kind;
    faults_.push_back(fields.dump());
  }

  /// A process event: start, kill, term, freeze, thaw.
  void proc(double at, const std::string& kind, const std::string& node, int inc = 0) {
    fault(at, kind, {{"node", node}, {"incarnation", inc}, {"pid", 100 + inc}});
    if (kind == "start") logs_[key(node, inc)];
  }

  void exit_signal(double at, const std::string& node, int sig, int inc = 0) {
    fault(at, "exit", {{"node", node}, {"incarnation", inc}, {"pid", 100 + inc}, {"signal", sig}});
  }
  /// SIGKILL by the harness at `at`, reaped 1 ms later.
  void killed(double at, const std::string& node, int inc = 0) {
    proc(at, "kill", node, inc);
    exit_signal(at + 1, node, 9, inc);
  }
  void exit_code(double at, const std::string& node, int code, int inc = 0) {
    fault(at, "exit", {{"node", node}, {"incarnation", inc}, {"pid", 100 + inc}, {"code", code}});
  }

  void event(double at, const std::string& node, const std::string& kind,
             nlohmann::json fields = nlohmann::json::object(), int inc = 0) {
    fields["t_mono_ns"] = ms(at);
    fields["node"] = node;
    fields["event"] = kind;
    logs_[key(node, inc)].push_back(fields.dump());
  }

  void acquired(double at, const std::string& node, std::uint64_t term, int inc = 0) {
    event(at, node, "leadership_acquired", {{"term", term}}, inc);
    event(at, node, "leader_changed", {{"leader", node}, {"term", term}}, inc);
  }
  void lost(double at, const std::string& node, std::uint64_t term, double effective,
            const std::string& reason = "handover", int inc = 0) {
    event(at, node, "leadership_lost",
          {{"term", term}, {"effective_mono_ns", ms(effective)}, {"reason", reason}}, inc);
  }
  /// `node` names `leader` (nullopt: none) from `at`.
  void sees(double at, const std::string& node, const std::optional<std::string>& leader,
            std::uint64_t term, int inc = 0) {
    event(at, node, "leader_changed",
          {{"leader", leader ? nlohmann::json(*leader) : nlohmann::json(nullptr)}, {"term", term}},
          inc);
  }

  /// Starts every node at 0 ms (incarnation 0).
  void start_all(int nodes) {
    for (int i = 1; i <= nodes; ++i) proc(0, "start", "box" + std::to_string(i));
  }
  /// Ends the run at `at`: run_end, then each node (incarnation 0) stopped cleanly.
  void end_all(double at, int nodes) {
    fault(at, "run_end");
    for (int i = 1; i <= nodes; ++i) {
      proc(at + 1, "term", "box" + std::to_string(i));
      exit_code(at + 2, "box" + std::to_string(i), 0);
    }
  }

  [[nodiscard]] RunLog build() const {
    RunLog run = parse_fault_log(faults_);
    for (auto& p : run.procs) {
      auto it = logs_.find(key(p.node, p.incarnation));
      if (it != logs_.end()) attach_events(run, p, it->second);
    }
    return run;
  }

  std::vector<std::string>& fault_lines() { return faults_; }

 private:
  static std::string key(const std::string& node, int inc) {
    return node + "#" + std::to_string(inc);
  }
  std::vector<std::string> faults_;
  std::map<std::string, std::vector<std::string>> logs_;
};

}  // namespace chaos::test
