// elector-chaos-check: reads a chaos run's fault log and event logs and reports overlapping
// leaderships, term regressions, crashes and leaderless time. Exit 0 when there is no violation,
// 1 when there is one (or the logs are incomplete), 2 on bad usage.
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>

#include "checks.hpp"
#include "report.hpp"
#include "run_log.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Checks a chaos run: no two leaders at once, no term going back, no crash"};
  std::string fault_log;
  std::string json_out;
  app.add_option("fault_log", fault_log, "the run's faults.jsonl (event logs are found from it)")
      ->required();
  app.add_option("--json", json_out, "also write the figures as JSON to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  const auto run = chaos::load_run(fault_log);
  const auto report = chaos::check(run);
  std::fputs(chaos::report_text(run, report).c_str(), stdout);
  if (!json_out.empty()) {
    std::ofstream(json_out) << chaos::report_json(run, report).dump(2) << "\n";
  }
  const bool bad = report.violations() > 0 || !report.problems.empty();
  std::printf("%s: %d violation(s), %zu problem(s)\n", bad ? "FAIL" : "OK", report.violations(),
              report.problems.size());
  return bad ? 1 : 0;
}
