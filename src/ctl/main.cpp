// electorctl: the command-line client of electord's control API, and the local cluster tool.
// This file only wires the command line to the commands (node_cmd, console, cluster_cmd).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "ctl/cluster_cmd.hpp"
#include "ctl/cluster_ui.hpp"
#include "ctl/console.hpp"
#include "ctl/endpoint.hpp"
#include "ctl/errors.hpp"
#include "ctl/node_cmd.hpp"
#include "ctl/run_cmd.hpp"

#ifndef ELECTORCTL_VERSION
#define ELECTORCTL_VERSION "unknown"
#endif

namespace ctl = elector::ctl;

namespace {

constexpr const char* kDefaultControl = "127.0.0.1:7947";

int run(int argc, char** argv) {
  CLI::App app{
      "electorctl: ask an elector node or the whole cluster, trigger elections, run a "
      "local cluster"};
  app.set_version_flag("--version", "electorctl " ELECTORCTL_VERSION);
  app.require_subcommand(1);

  std::string control = kDefaultControl;
  auto* control_opt = app.add_option("--control", control,
                                     "the node's control address HOST:PORT (default "
                                     "$ELECTOR_CONTROL, else 127.0.0.1:7947)");
  std::string token_file;
  auto* token_opt =
      app.add_option("--token-file", token_file,
                     "file holding the node's control token, for a node on another host (default "
                     "$ELECTOR_CONTROL_TOKEN_FILE)");

  // Commands on one node. fallthrough: `electorctl leader --control X` works too.
  auto node_command = [&](const char* name, const char* help) {
    auto* sub = app.add_subcommand(name, help);
    sub->fallthrough();
    return sub;
  };
  auto* leader = node_command("leader", "print the leader's name (or none, exit 1)");
  auto* is_leader = node_command("is-leader", "print true/false; exit 0 if this node leads");
  auto* term = node_command("term", "print the current term");
  auto* members = node_command("members", "list the members this node knows");
  auto* status = node_command("status", "every member's own view: the cluster at a glance");
  auto* elect = node_command("elect", "start an election");
  bool sync = false;
  int elect_timeout = 5000;
  elect->add_flag("--sync", sync, "wait for the election's leader and print it");
  elect->add_option("--timeout", elect_timeout, "with --sync: how long to wait, in ms")
      ->check(CLI::Range(1, 24 * 3600 * 1000));
  auto* clear = node_command("clear-leader", "make every node drop the leader");
  auto* watch = node_command("watch", "print every event as one JSON line, until interrupted");
  std::uint64_t watch_count = 0;
  int watch_duration = 0;
  watch->add_option("--count", watch_count, "stop after this many events");
  watch->add_option("--duration", watch_duration, "stop after this many ms")
      ->check(CLI::NonNegativeNumber);
  auto* attach = node_command("attach", "interactive console on the node");
  auto* run_sub = node_command(
      "run", "run a command while this node leads, and only then: run [OPTIONS] -- CMD ARGS...");
  ctl::RunOptions run_options;
  int run_grace = static_cast<int>(run_options.settings.grace.count());
  int run_margin = static_cast<int>(run_options.settings.margin.count());
  run_sub
      ->add_option("--grace", run_grace,
                   "ms between SIGTERM and SIGKILL; SIGTERM comes this long before the safe "
                   "deadline (default 50)")
      ->check(CLI::Range(0, 3600 * 1000));
  run_sub
      ->add_option("--margin", run_margin,
                   "ms kept off the lease's end: the command is gone this long before it "
                   "(default 30)")
      ->check(CLI::Range(0, 3600 * 1000));
  run_sub->add_option("CMD", run_options.command, "the command and its arguments, after --")
      ->required();

  // The local cluster.
  auto* cluster = app.add_subcommand("cluster", "run a local cluster of electord processes");
  cluster->require_subcommand(1);
  std::string dir = "cluster";
  auto add_dir = [&](CLI::App* sub) {
    sub->add_option("--dir", dir, "the cluster's state directory (default ./cluster)")
        ->envname("ELECTOR_CLUSTER_DIR");
  };
  std::string name;
  auto add_name = [&](CLI::App* sub) {
    sub->add_option("NAME", name, "a box: box1..boxN")->required();
  };
  std::optional<std::string> electord;
  auto add_electord = [&](CLI::App* sub) {
    sub->add_option("--electord", electord,
                    "the electord binary (default $ELECTORD, else next to electorctl, else "
                    "on PATH)")
        ->envname("ELECTORD");
  };

  ctl::UpOptions up_options;
  auto* up = cluster->add_subcommand(
      "up", "start boxes box1..boxN; options electorctl does not know go to every electord");
  up->add_option("N", up_options.nodes, "how many boxes")->required()->check(CLI::Range(1, 55535));
  up->add_option("--base-port", up_options.base_port,
                 "boxK listens on P+K and serves control on P+10000+K (default 7000)")
      ->check(CLI::Range(0, 65535));
  add_dir(up);
  add_electord(up);
  up->allow_extras();
  auto* ps = cluster->add_subcommand("ps", "list the boxes with their pids and states");
  add_dir(ps);
  auto* cstatus = cluster->add_subcommand("status", "every box's own view, dead and frozen too");
  add_dir(cstatus);
  auto* kill = cluster->add_subcommand("kill", "SIGKILL a box");
  add_dir(kill);
  add_name(kill);
  auto* start = cluster->add_subcommand("start", "start a box again with its recorded options");
  add_dir(start);
  add_name(start);
  add_electord(start);
  auto* freeze = cluster->add_subcommand("freeze", "SIGSTOP a box");
  add_dir(freeze);
  add_name(freeze);
  auto* thaw = cluster->add_subcommand("thaw", "SIGCONT a box");
  add_dir(thaw);
  add_name(thaw);
  auto* cattach = cluster->add_subcommand("attach", "interactive console on a box");
  add_dir(cattach);
  add_name(cattach);
  ctl::UiOptions ui_options;
  auto* cui = cluster->add_subcommand(
      "ui", "print the URL of a box's live web page and open it in a browser (at a terminal)");
  add_dir(cui);
  cui->add_option("NAME", ui_options.name, "a box: box1..boxN (default: the first that answers)");
  bool no_open = false;
  cui->add_flag("--no-open", no_open, "print the URL only");
  auto* down = cluster->add_subcommand("down", "stop every box (SIGTERM, then SIGKILL after 5 s)");
  add_dir(down);
  auto* wait = cluster->add_subcommand(
      "wait", "wait until every running box agrees on one leader that is up");
  add_dir(wait);
  int wait_timeout = 10000;
  std::string expect;
  wait->add_option("--timeout", wait_timeout, "give up after this many ms (default 10000)")
      ->check(CLI::Range(1, 24 * 3600 * 1000));
  wait->add_option("--expect", expect, "the leader must be this box");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return ctl::kExitUsage;
  }

  ctl::Out io{std::cout, std::cerr};
  // The environment is read here rather than by CLI11 so that an error can name its source.
  auto node = [&]() {
    const char* env = std::getenv("ELECTOR_CONTROL");
    ctl::Endpoint ep = control_opt->count() == 0 && env != nullptr && *env != '\0'
                           ? ctl::parse_endpoint(env, "ELECTOR_CONTROL")
                           : ctl::parse_endpoint(control, "--control");
    const char* token_env = std::getenv("ELECTOR_CONTROL_TOKEN_FILE");
    if (token_opt->count() != 0) {
      ep.token = ctl::read_token_file(token_file, "--token-file");
    } else if (token_env != nullptr && *token_env != '\0') {
      ep.token = ctl::read_token_file(token_env, "ELECTOR_CONTROL_TOKEN_FILE");
    }
    return ep;
  };
  const bool stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  ctl::ConsoleIo console_io{std::cin, std::cout, std::cerr, stdin_is_terminal ? STDIN_FILENO : -1};

  if (leader->parsed()) return ctl::cmd_leader(node(), io);
  if (is_leader->parsed()) return ctl::cmd_is_leader(node(), io);
  if (term->parsed()) return ctl::cmd_term(node(), io);
  if (members->parsed()) return ctl::cmd_members(node(), io);
  if (status->parsed()) return ctl::cmd_status(node(), io);
  if (elect->parsed()) {
    return ctl::cmd_elect(node(), sync, std::chrono::milliseconds(elect_timeout), io);
  }
  if (clear->parsed()) return ctl::cmd_clear_leader(node(), io);
  if (watch->parsed()) {
    return ctl::cmd_watch(node(), {watch_count, std::chrono::milliseconds(watch_duration)}, io);
  }
  if (attach->parsed()) {
    const auto endpoint = node();
    return ctl::run_console(endpoint, ctl::node_name(endpoint), console_io);
  }
  if (run_sub->parsed()) {
    run_options.settings.grace = std::chrono::milliseconds(run_grace);
    run_options.settings.margin = std::chrono::milliseconds(run_margin);
    return ctl::cmd_run(node(), run_options, io);
  }
  if (up->parsed()) {
    up_options.dir = dir;
    up_options.electord = electord;
    up_options.extra_args = up->remaining();
    return ctl::cluster_up(up_options, io);
  }
  if (ps->parsed()) return ctl::cluster_ps(dir, io);
  if (cstatus->parsed()) return ctl::cluster_status(dir, io);
  if (kill->parsed()) return ctl::cluster_kill(dir, name, io);
  if (start->parsed()) return ctl::cluster_start(dir, name, electord, io);
  if (freeze->parsed()) return ctl::cluster_freeze(dir, name, io);
  if (thaw->parsed()) return ctl::cluster_thaw(dir, name, io);
  if (cattach->parsed()) return ctl::cluster_attach(dir, name, console_io);
  if (cui->parsed()) {
    ui_options.open = !no_open;
    return ctl::cluster_ui(dir, ui_options, io, ::isatty(STDOUT_FILENO) == 1);
  }
  if (down->parsed()) return ctl::cluster_down(dir, io);
  if (wait->parsed()) {
    ctl::WaitOptions options;
    options.timeout = std::chrono::milliseconds(wait_timeout);
    if (!expect.empty()) options.expect = expect;
    return ctl::cluster_wait(dir, options, io);
  }
  return ctl::kExitUsage;  // unreachable: a subcommand is required
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int code = run(argc, argv);
    std::cout.flush();
    return code;
  } catch (const ctl::UsageError& e) {
    std::cout.flush();
    std::cerr << "electorctl: " << e.what() << '\n';
    return ctl::kExitUsage;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "electorctl: " << e.what() << '\n';
    return ctl::kExitFailure;
  }
}
