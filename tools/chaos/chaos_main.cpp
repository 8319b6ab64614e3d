// elector-chaos: runs electord processes under a seeded schedule of kills, freezes, graceful
// stops, restarts and network partitions, and records every fault (see harness.hpp). The
// checker, elector-chaos-check, judges the run afterwards; ./chaos.sh runs both.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "harness.hpp"
#include "schedule.hpp"

namespace {

extern "C" void on_stop_signal(int) {
  chaos::request_stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chaos run of electord processes: kill -9, SIGSTOP, SIGTERM, restarts, partitions"};
  chaos::HarnessOptions o;
  bool no_partitions = false;
  bool print_schedule = false;
  app.add_option("--nodes", o.nodes, "number of nodes")->check(CLI::Range(2, 64));
  app.add_option("--quorum-size", o.quorum_size,
                 "quorum_size of every node; 0: none given, electord's default (a majority)")
      ->check(CLI::Range(0, 64));
  app.add_option("--duration", o.duration_s, "seconds, final heal and quiet period included")
      ->check(CLI::Range(15, 86400));
  app.add_option("--quiet", o.quiet_s, "seconds without faults at the end")
      ->check(CLI::Range(5, 3600));
  app.add_option("--seed", o.seed, "the fault schedule's seed");
  app.add_option("--bin", o.bin_dir, "directory holding electord")->required();
  app.add_option("--dir", o.dir, "output directory")->required();
  app.add_option("--heartbeat-interval", o.heartbeat_ms, "ms")->check(CLI::Range(5, 10000));
  app.add_option("--election-delay", o.election_delay_ms, "ms")->check(CLI::Range(0, 60000));
  app.add_option("--base-port", o.base_port, "listen port (namespaces) or base port")
      ->check(CLI::Range(1024, 65000));
  app.add_option("--strategy", o.strategy, "election strategy of every node");
  app.add_option("--workload", o.workload,
                 "a shell command run by `electorctl run` next to every node; a freeze then "
                 "stops the whole node (electord, runner, command) every other time");
  app.add_option("--workload-grace", o.workload_grace_ms,
                 "electorctl run --grace, ms (default: electorctl's)")
      ->check(CLI::Range(0, 60000));
  app.add_option("--workload-margin", o.workload_margin_ms,
                 "electorctl run --margin, ms (default: electorctl's)")
      ->check(CLI::Range(0, 60000));
  app.add_flag("--no-partitions", no_partitions, "no network namespaces, no partitions");
  app.add_flag("--print-schedule", print_schedule, "print the seed's schedule and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (o.quiet_s + 5 > o.duration_s) {
    std::fprintf(stderr, "chaos: --duration must exceed --quiet by at least 5 s\n");
    return 2;
  }
  if (o.quorum_size > o.nodes) {
    std::fprintf(stderr, "chaos: --quorum-size must not exceed --nodes\n");
    return 2;
  }
  o.partitions = !no_partitions;
  if (print_schedule) {
    chaos::ScheduleParams sp;
    sp.seed = o.seed;
    sp.nodes = o.nodes;
    sp.faults_from_ms = o.warmup_ms;
    sp.faults_until_ms = (o.duration_s - o.quiet_s) * 1000;
    for (const auto& a : chaos::make_schedule(sp)) std::printf("%s\n", chaos::describe(a).c_str());
    return 0;
  }
  if (!std::filesystem::exists(o.bin_dir + "/electord")) {
    std::fprintf(stderr, "chaos: no electord in %s\n", o.bin_dir.c_str());
    return 2;
  }
  if (!o.workload.empty() && !std::filesystem::exists(o.bin_dir + "/electorctl")) {
    std::fprintf(stderr, "chaos: --workload needs electorctl in %s\n", o.bin_dir.c_str());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return chaos::run_harness(o);
}
