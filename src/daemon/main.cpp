// electord: one member of an elector cluster as a daemon (sidecar), for programs in any language.
//
// Exit codes: 0 after SIGTERM/SIGINT/SIGHUP, 1 on a runtime failure (a port in use, a node that
// cannot start), 2 on bad usage or configuration (the message names the option and the value).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/control_server.hpp"
#include "daemon/event_json.hpp"
#include "daemon/event_log.hpp"
#include "daemon/hook_runner.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics_record.hpp"
#include "daemon/node_backend.hpp"
#include "daemon/options.hpp"
#include "daemon/state_lock.hpp"
#include "daemon/stream_json.hpp"
#include "daemon/systemd_notify.hpp"
#include "elector/node.hpp"

#ifndef ELECTORD_VERSION
#define ELECTORD_VERSION "unknown"
#endif

namespace {

// SIG_IGN is a C cast in the C library's headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
void ignore_sigpipe() {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPIPE, &sa, nullptr);
}
#pragma GCC diagnostic pop

/// A large cluster on one machine needs many descriptors per daemon; the hard limit is ours.
void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  const auto old = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("cannot raise the open files limit from {}: {}", old, std::strerror(errno));
  }
}

spdlog::level::level_enum event_level(const elector::Event& e) {
  if (std::holds_alternative<elector::SettingsMismatch>(e)) return spdlog::level::warn;
  if (std::holds_alternative<elector::AvailabilityMode>(e)) return spdlog::level::warn;
  // Formation of a big cluster brings N member_up per node: worth the event log, not the log.
  if (std::holds_alternative<elector::ElectionStarted>(e) ||
      std::holds_alternative<elector::MemberUp>(e)) {
    return spdlog::level::debug;
  }
  return spdlog::level::info;
}

int run(const elector::daemon::Settings& settings_in, const sigset_t& stop_signals) {
  elector::daemon::Settings s = settings_in;
  const std::string name = s.node.name;

  // Before anything is bound: a second electord of this name must stop here, with this reason,
  // not on a busy port.
  elector::daemon::StateLock::Failure lock_failure{};
  std::string lock_error;
  const auto state_lock =
      elector::daemon::StateLock::acquire(s.state_dir, s.node.state_file, lock_failure, lock_error);
  if (!state_lock) {
    if (lock_failure != elector::daemon::StateLock::Failure::directory) {
      spdlog::error("{}", lock_error);
      return 1;
    }
    if (s.state_origin.rfind("the default", 0) == 0) {
      std::fprintf(stderr, "electord: %s, from %s; give --state-dir DIR\n", lock_error.c_str(),
                   s.state_origin.c_str());
    } else {
      std::fprintf(stderr, "electord: bad value for %s: \"%s\" (%s)\n", s.state_origin.c_str(),
                   s.state_file_given ? s.node.state_file.c_str() : s.state_dir.c_str(),
                   lock_error.c_str());
    }
    return 2;
  }

  std::unique_ptr<elector::daemon::EventLog> event_log;
  if (!s.event_log.empty()) {
    std::string err;
    event_log = elector::daemon::EventLog::open(s.event_log, err);
    if (!event_log) {
      // Named as the user gave it: "--event-log", "ELECTOR_EVENT_LOG" or "event_log in FILE".
      std::fprintf(stderr, "electord: cannot open %s \"%s\": %s\n", s.event_log_origin.c_str(),
                   s.event_log.c_str(), err.c_str());
      return 2;
    }
  }

  if (!elector::daemon::is_loopback_host(s.control_addr.host)) {
    if (s.control_token.empty()) {
      spdlog::warn(
          "the control API listens on {}, but without control_token_file it answers only clients "
          "of this host",
          s.control);
    } else {
      spdlog::info("the control API on {} answers other hosts that send the control token",
                   s.control);
    }
  }
  elector::daemon::NodeBackend backend;
  elector::daemon::MetricsRecord metrics_record;
  elector::daemon::ControlServerOptions copts;
  copts.metrics_record = &metrics_record;
  copts.host = s.control_addr.host;
  copts.port = s.control_addr.port;
  copts.token = s.control_token;
  copts.keepalive = elector::daemon::events_keepalive(s);
  elector::daemon::ControlServer server(backend, copts);
  std::string bind_error;
  if (!server.bind(bind_error)) {
    spdlog::error("{}", bind_error);
    return 1;
  }
  // Gossip the address actually bound (port 0 picks one).
  s.node.control = server.address();

  elector::daemon::HookRunnerOptions hopts;
  hopts.node_name = name;
  hopts.timeout = s.node.hook_timeout;
  hopts.on_result = [&metrics_record](const elector::daemon::HookResult& r) {
    metrics_record.hook_ran(r);
  };
  elector::daemon::HookRunner hooks(hopts);

  elector::daemon::SystemdNotifier systemd;
  const auto pre_hooks = s.pre_election_hooks;
  const auto post_hooks = s.post_election_hooks;
  elector::NodeCallbacks cb;
  cb.log = elector::daemon::log_node;
  cb.pre_election = [&hooks, &pre_hooks](const elector::HookRequest& r) {
    hooks.enqueue(r, pre_hooks);
  };
  cb.post_election = [&hooks, &post_hooks](const elector::HookRequest& r) {
    hooks.enqueue(r, post_hooks);
  };
  cb.leader_loss_detected = [&metrics_record](elector::Duration d) {
    metrics_record.leader_loss_detected(d);
  };
  cb.event = [&](elector::Time at, const elector::Event& e) {
    if (const auto* f = std::get_if<elector::ElectionFinished>(&e)) {
      metrics_record.election_finished(f->took);
    }
    const std::string line = elector::daemon::event_line(at, name, e);
    if (event_log) event_log->append(line);
    server.publish(elector::event_name(e),
                   elector::daemon::stream_event_line(at, name, e, backend));
    spdlog::log(event_level(e), "{}", elector::daemon::event_text(e));
    systemd.poke();
  };

  std::unique_ptr<elector::Node> node;
  try {
    node = std::make_unique<elector::Node>(s.node, std::move(cb));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "electord: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("cannot create the node: {}", e.what());
    return 1;
  }
  backend.attach(*node);
  try {
    node->start();
  } catch (const std::exception& e) {
    spdlog::error("cannot start the node: {}", e.what());
    return 1;
  }
  server.start();
  systemd.start([&node] { return node->status(); });

  spdlog::info(
      "electord {} started: node {}, listening on {}, control API http://{}, strategy {}, "
      "priority {}, quorum {}, state file {}, {}",
      ELECTORD_VERSION, name, s.node.listen, server.address(), s.node.strategy, s.node.priority,
      s.node.quorum_size, s.node.state_file,
      s.node.cookie.empty() ? std::string("INSECURE (messages are not authenticated)")
                            : "secure (secret from " + s.secret_source + ")");

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  spdlog::info("{} received: handing leadership over and leaving the cluster", strsignal(sig));
  // A second signal during the shutdown ends the process at once.
  std::thread([stop_signals] {
    int again = 0;
    while (sigwait(&stop_signals, &again) != 0) {
    }
    spdlog::warn("{} received again: exiting now", strsignal(again));
    spdlog::default_logger()->flush();
    _exit(1);
  }).detach();

  systemd.stop();
  node->stop();
  server.stop();
  hooks.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread exists: every thread inherits the mask, so only
  // sigwait() below sees them and no handler runs at an arbitrary point.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  // A closed terminal: leave the cluster cleanly rather than die without a handover. (Under nohup
  // SIGHUP is ignored and never arrives.)
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that goes away mid-response must not kill the daemon.
  ignore_sigpipe();

  elector::daemon::OptionsInput in;
  in.args.assign(argv + 1, argv + argc);
  in.env = elector::daemon::elector_environment(environ);
  const auto opts = elector::daemon::load_options(in);
  if (!opts.output.empty()) {
    std::fputs(opts.output.c_str(), stdout);
    return 0;
  }
  if (!opts.errors.empty()) {
    for (const auto& e : opts.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  const auto& settings = *opts.settings;

  elector::daemon::setup_logging(settings.log_format, settings.log_level, settings.node.name);
  raise_open_files_limit();
  for (const auto& w : settings.warnings) spdlog::warn("{}", w);

  try {
    return run(settings, stop_signals);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
