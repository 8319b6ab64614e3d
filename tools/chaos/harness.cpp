#include "harness.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "fault_log.hpp"
#include "network.hpp"
#include "quorum.hpp"
#include "reboot.hpp"
#include "rng.hpp"
#include "schedule.hpp"
#include "spawn.hpp"
#include "workload.hpp"

namespace chaos {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

volatile std::sig_atomic_t g_stop = 0;

enum class State { down, running, frozen, stopping };

struct Node {
  std::string name;
  int incarnation = -1;
  pid_t pid = 0;
  State state = State::down;
  std::int64_t term_at = 0;        // when SIGTERM was sent
  bool restart_when_down = false;  // a restart came while it was still stopping
  bool lose_bindings = false;      // the next start finds its state file as after a reboot
  bool whole_frozen = false;       // the freeze stopped its workload too
  bool command_first = false;      // ... which runs again before the runner after the thaw
};

void sleep_until(std::int64_t t) {
  const auto now = mono_ns();
  if (t <= now) return;
  timespec ts{static_cast<time_t>((t - now) / 1'000'000'000),
              static_cast<long>((t - now) % 1'000'000'000)};
  nanosleep(&ts, nullptr);  // a signal cuts it short: the loop looks at g_stop
}

class Harness {
 public:
  explicit Harness(const HarnessOptions& o)
      : o_(o), log_((fs::create_directories(o.dir), o.dir + "/faults.jsonl")) {
    fs::create_directories(o_.dir + "/events");
    fs::create_directories(o_.dir + "/logs");
    fs::create_directories(o_.dir + "/state");
    fs::create_directories(o_.dir + "/net");
    log_fd_ =
        ::open((o_.dir + "/harness.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    cookie_ = o_.dir + "/cookie";
    {
      std::ofstream c(cookie_);
      c << "chaos-" << o_.seed;
    }
    ::chmod(cookie_.c_str(), 0600);
    for (int i = 0; i < o_.nodes; ++i) nodes_.push_back(Node{"box" + std::to_string(i + 1)});
  }

  ~Harness() {
    if (log_fd_ >= 0) ::close(log_fd_);
  }

  int run() {
    if (o_.partitions) {
      std::string why;
      net_ = Network::create("ech" + std::to_string(getpid()), o_.nodes, log_fd_, o_.dir + "/net",
                             why);
      if (!net_) {
        // Partitions were asked for: a run without them would pass while testing less.
        std::fprintf(stderr,
                     "chaos: cannot make network partitions: %s. They need root, iproute2 and "
                     "iptables (commands' output: %s/harness.log); --no-partitions runs without "
                     "them.\n",
                     why.c_str(), o_.dir.c_str());
        return 1;
      }
    } else {
      std::printf("chaos: running without partitions (--no-partitions)\n");
    }
    ScheduleParams sp;
    sp.seed = o_.seed;
    sp.nodes = o_.nodes;
    sp.faults_from_ms = o_.warmup_ms;
    sp.faults_until_ms = (o_.duration_s - o_.quiet_s) * 1000;
    // The schedule depends on the seed and the options only, never on this machine: with
    // --no-partitions the partitions it draws are skipped, not replaced.
    const auto schedule = make_schedule(sp);
    {
      std::ofstream s(o_.dir + "/schedule.txt");
      for (const auto& a : schedule) s << describe(a) << "\n";
    }
    Json names = Json::array();
    for (const auto& n : nodes_) names.push_back(n.name);
    t0_ = mono_ns();
    log_.write(t0_, "run_start",
               {{"seed", o_.seed},
                {"nodes", names},
                // With none given, electord's default is a majority of the cluster: what the
                // checker holds the run to.
                {"quorum_size", o_.quorum_size > 0 ? o_.quorum_size : o_.nodes / 2 + 1},
                {"default_quorum", o_.quorum_size == 0},
                {"heartbeat_interval_ms", o_.heartbeat_ms},
                {"election_delay_ms", o_.election_delay_ms},
                {"duration_s", o_.duration_s},
                {"quiet_s", o_.quiet_s},
                {"netns", net_ != nullptr},
                {"scheduled_actions", schedule.size()}});
    for (int i = 0; i < o_.nodes; ++i) start(i);
    if (!o_.workload.empty()) {
      std::vector<std::string> node_names, controls, netns;
      for (int i = 0; i < o_.nodes; ++i) {
        node_names.push_back(nodes_[static_cast<std::size_t>(i)].name);
        controls.push_back(control(i));
        netns.push_back(netns_path(i));
      }
      work_ = std::make_unique<Workloads>(
          WorkloadOptions{o_.workload, o_.bin_dir + "/electorctl", o_.dir + "/logs",
                          o_.workload_grace_ms, o_.workload_margin_ms},
          node_names, controls, netns, log_);
      work_->start_all();
    }
    note_quorum();

    const std::int64_t final_at = t0_ + (o_.duration_s - o_.quiet_s) * 1'000'000'000;
    const std::int64_t end_at = t0_ + o_.duration_s * 1'000'000'000;
    std::size_t next = 0;
    std::int64_t next_progress = t0_ + 10'000'000'000;
    while (!g_stop) {
      const auto now = mono_ns();
      housekeeping(now);
      if (now >= final_at) break;
      while (next < schedule.size() && at(schedule[next]) <= mono_ns()) {
        apply(schedule[next], next);
        ++next;
      }
      if (now >= next_progress) {
        std::printf("chaos: %3lld s, %zu/%zu actions\n",
                    static_cast<long long>((now - t0_) / 1'000'000'000), next, schedule.size());
        std::fflush(stdout);
        next_progress += 10'000'000'000;
      }
      std::int64_t wake = std::min(now + 5'000'000, final_at);
      if (next < schedule.size()) wake = std::min(wake, at(schedule[next]));
      sleep_until(wake);
    }
    if (!g_stop) {
      final_heal();
      while (!g_stop && mono_ns() < end_at) {
        housekeeping(mono_ns());
        sleep_until(std::min(mono_ns() + 5'000'000, end_at));
      }
    }
    log_.write(mono_ns(), g_stop ? "aborted" : "run_end");
    // Some time before the shutdown, so that what the shutdown makes the nodes log (a leader
    // whose supporters leave dates the end of its lease back to its last heartbeat) does not
    // fall before run_end, where the checker looks for the agreed leader.
    const auto grace = mono_ns() + std::max<std::int64_t>(500, 10 * o_.heartbeat_ms) * 1'000'000;
    while (!g_stop && mono_ns() < grace) {
      housekeeping(mono_ns());
      sleep_until(std::min(mono_ns() + 5'000'000, grace));
    }
    if (work_) work_->shutdown(o_.stop_timeout_ms);
    shutdown();
    net_.reset();
    log_.write(mono_ns(), "shutdown_done");
    return g_stop ? 1 : 0;
  }

 private:
  std::int64_t at(const Action& a) const { return t0_ + a.at_ms * 1'000'000; }

  Json who(const Node& n) const {
    return {{"node", n.name}, {"incarnation", n.incarnation}, {"pid", n.pid}};
  }

  std::string listen(int i) const {
    return net_ ? net_->address(i) + ":" + std::to_string(o_.base_port)
                : "127.0.0.1:" + std::to_string(o_.base_port + i + 1);
  }

  std::string netns_path(int i) const { return net_ ? "/run/netns/" + net_->netns(i) : ""; }

  // A unix socket needs no port and is reachable from outside the namespace; but electorctl
  // speaks TCP only, so with a workload its runner reaches the node on the namespace's loopback
  // (or, without namespaces, on a port of its own).
  std::string control(int i) const {
    if (!o_.workload.empty()) {
      return "127.0.0.1:" + std::to_string(net_ ? o_.base_port + 1 : o_.base_port + 101 + i);
    }
    const std::string path = o_.dir + "/" + nodes_[static_cast<std::size_t>(i)].name + ".sock";
    return path.size() < 100 ? "unix:" + path : "127.0.0.1:0";
  }

  std::vector<std::string> electord_args(int i) const {
    const auto& n = nodes_[static_cast<std::size_t>(i)];
    std::string seeds;
    for (int j = 0; j < o_.nodes; ++j) {
      if (j != i) seeds += (seeds.empty() ? "" : ",") + listen(j);
    }
    std::vector<std::string> quorum;
    if (o_.quorum_size > 0) quorum = {"--quorum-size", std::to_string(o_.quorum_size)};
    std::vector<std::string> args{
        o_.bin_dir + "/electord", "--name", n.name, "--listen", listen(i), "--seeds", seeds,
        // A unix socket, or TCP on the namespace's loopback with a workload: see control().
        "--control", control(i), "--cookie-file", cookie_, "--strategy", o_.strategy, "--priority",
        std::to_string(i + 1), "--heartbeat-interval", std::to_string(o_.heartbeat_ms),
        "--election-delay", std::to_string(o_.election_delay_ms), "--event-log",
        o_.dir + "/" + event_log(n), "--state-file", o_.dir + "/state/" + n.name, "--log-level",
        "info"};
    args.insert(args.end(), quorum.begin(), quorum.end());
    return args;
  }

  static std::string event_log(const Node& n) {
    return "events/" + n.name + "." + std::to_string(n.incarnation) + ".jsonl";
  }

  void start(int i) {
    auto& n = nodes_[static_cast<std::size_t>(i)];
    ++n.incarnation;
    const bool lost = n.lose_bindings && forget_bindings(o_.dir + "/state/" + n.name);
    n.lose_bindings = false;
    const std::string out =
        o_.dir + "/logs/" + n.name + "." + std::to_string(n.incarnation) + ".log";
    const auto t = mono_ns();
    const pid_t pid = spawn(electord_args(i), netns_path(i), out);
    if (pid < 0) {
      log_.write(t, "skipped", {{"action", "start"}, {"node", n.name}, {"why", "fork failed"}});
      return;
    }
    n.pid = pid;
    n.state = State::running;
    n.restart_when_down = false;
    Json j = who(n);
    j["event_log"] = event_log(n);
    if (lost) j["bindings_lost"] = true;
    log_.write(t, "start", j);
  }

  // Sends `sig`, with the clock read right before kill(2).
  void send(Node& n, int sig, const std::string& fault, const Json& extra = Json::object()) {
    Json j = who(n);
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    const auto t = mono_ns();
    ::kill(n.pid, sig);
    log_.write(t, fault, j);
  }

  void skip(const Action& a, const std::string& why) {
    log_.write(mono_ns(), "skipped", {{"action", describe(a)}, {"why", why}});
  }

  // Whether the freeze at schedule index `index` stops the whole node, and what runs first after
  // its thaw: drawn from the seed and the index alone, so that the schedule itself (and every run
  // without a workload) stays as it was.
  void draw_whole_node(Node& n, std::size_t index) const {
    Rng r(o_.seed ^ (0xf4ee2e00ULL + index * 0x9e3779b97f4a7c15ULL));
    n.whole_frozen =
        work_ && o_.whole_node_freeze_one_in > 0 && r.between(1, o_.whole_node_freeze_one_in) == 1;
    n.command_first = r.chance(50);
  }

  void thaw_node(Node& n, int i) {
    if (n.whole_frozen && n.command_first) work_->thaw(i, true);
    send(n, SIGCONT, "thaw");
    if (n.whole_frozen && !n.command_first) work_->thaw(i, false);
    n.whole_frozen = false;
    n.state = State::running;
  }

  void apply(const Action& a, std::size_t index) {
    if (a.kind == ActionKind::partition || a.kind == ActionKind::heal) {
      if (!net_) return skip(a, "no network namespaces");
      if (a.kind == ActionKind::partition) return cut(a.group);
      return heal();
    }
    auto& n = nodes_[static_cast<std::size_t>(a.node)];
    switch (a.kind) {
      case ActionKind::kill:
        if (n.state != State::running && n.state != State::frozen) return skip(a, "not running");
        send(n, SIGKILL, "kill");
        // Reaped (and logged as exit) by housekeeping; down from now on.
        n.state = State::stopping;
        n.term_at = INT64_MAX;
        break;
      case ActionKind::freeze:
        if (n.state != State::running) return skip(a, "not running");
        draw_whole_node(n, index);
        if (n.whole_frozen) {
          // As a paused machine: the runner and its command stop with electord.
          const auto pids = work_->freeze(a.node);
          send(n, SIGSTOP, "freeze", {{"whole_node", true}, {"workload_pids", pids}});
        } else {
          send(n, SIGSTOP, "freeze");
        }
        n.state = State::frozen;
        break;
      case ActionKind::thaw:
        if (n.state != State::frozen) return skip(a, "not frozen");
        thaw_node(n, a.node);
        break;
      case ActionKind::stop:
        if (n.state != State::running) return skip(a, "not running");
        send(n, SIGTERM, "term");
        n.state = State::stopping;
        n.term_at = mono_ns();
        break;
      case ActionKind::restart:
        n.lose_bindings = a.lose_bindings;
        if (n.state == State::stopping) {
          n.restart_when_down = true;
        } else if (n.state == State::down) {
          start(a.node);
        } else {
          return skip(a, "still running");
        }
        break;
      default:
        break;
    }
    note_quorum();
  }

  Json names(const std::vector<int>& idx) const {
    Json j = Json::array();
    for (int i : idx) j.push_back(nodes_[static_cast<std::size_t>(i)].name);
    return j;
  }

  void cut(const std::vector<int>& group) {
    std::vector<int> rest;
    for (int i = 0; i < o_.nodes; ++i) {
      if (std::find(group.begin(), group.end(), i) == group.end()) rest.push_back(i);
    }
    const auto t = mono_ns();
    const bool ok = net_->cut(group);
    log_.write(
        t, "partition",
        {{"groups", Json::array({names(group), names(rest)})}, {"done_ns", mono_ns()}, {"ok", ok}});
    cut_ = group;
    note_quorum();
  }

  void heal() {
    const auto t = mono_ns();
    const bool ok = net_->heal();
    log_.write(t, "heal", {{"done_ns", mono_ns()}, {"ok", ok}});
    cut_.reset();
    note_quorum();
  }

  // Reaps what ended, restarts what waited for that, kills what would not stop.
  void housekeeping(std::int64_t now) {
    if (work_) work_->housekeeping(now);
    for (int i = 0; i < o_.nodes; ++i) {
      auto& n = nodes_[static_cast<std::size_t>(i)];
      if (n.pid <= 0) continue;
      int status = 0;
      const pid_t r = waitpid(n.pid, &status, WNOHANG);
      if (r == n.pid) {
        exited(i, status);
      } else if (n.state == State::stopping && now - n.term_at > o_.stop_timeout_ms * 1'000'000) {
        send(n, SIGKILL, "kill", {{"why", "stop_timeout"}});
        n.term_at = INT64_MAX;
      }
    }
  }

  void exited(int i, int status) {
    auto& n = nodes_[static_cast<std::size_t>(i)];
    Json j = who(n);
    if (WIFSIGNALED(status)) {
      j["signal"] = WTERMSIG(status);
    } else {
      j["code"] = WEXITSTATUS(status);
    }
    log_.write(mono_ns(), "exit", j);
    n.pid = 0;
    n.state = State::down;
    if (n.restart_when_down) start(i);
    note_quorum();
  }

  // Logs when a quorum of running nodes on one side of the network appears or goes.
  void note_quorum() {
    std::vector<bool> up;
    std::vector<int> side;
    Json members = Json::array();
    for (int i = 0; i < o_.nodes; ++i) {
      const bool running = nodes_[static_cast<std::size_t>(i)].state == State::running;
      up.push_back(running);
      const bool in_group = cut_ && std::find(cut_->begin(), cut_->end(), i) != cut_->end();
      side.push_back(in_group ? 1 : 0);
      if (running) members.push_back(nodes_[static_cast<std::size_t>(i)].name);
    }
    const bool q = quorum_connected(up, side, o_.quorum_size);
    if (q != quorum_) {
      log_.write(mono_ns(), q ? "quorum_connected" : "quorum_lost", {{"running", members}});
      quorum_ = q;
    }
  }

  void final_heal() {
    log_.write(mono_ns(), "final_heal");
    if (cut_) heal();
    for (int i = 0; i < o_.nodes; ++i) {
      auto& n = nodes_[static_cast<std::size_t>(i)];
      if (n.state == State::frozen) {
        thaw_node(n, i);
      } else if (n.state == State::down) {
        start(i);
      } else if (n.state == State::stopping) {
        n.restart_when_down = true;
      }
    }
    note_quorum();
  }

  // Every process started is stopped by PID: thawed, asked to stop, killed if it does not.
  void shutdown() {
    for (auto& n : nodes_) {
      n.restart_when_down = false;
      if (n.pid <= 0) continue;
      if (n.state == State::frozen) send(n, SIGCONT, "thaw", {{"why", "shutdown"}});
      if (n.state == State::running || n.state == State::frozen) {
        send(n, SIGTERM, "term", {{"why", "shutdown"}});
        n.state = State::stopping;
        n.term_at = mono_ns();
      }
    }
    const auto deadline = mono_ns() + o_.stop_timeout_ms * 1'000'000;
    while (true) {
      housekeeping(std::min(mono_ns(), deadline - 1));
      bool left = false;
      for (const auto& n : nodes_) left = left || n.pid > 0;
      if (!left) break;
      if (mono_ns() >= deadline) {
        for (int i = 0; i < o_.nodes; ++i) {
          auto& n = nodes_[static_cast<std::size_t>(i)];
          if (n.pid <= 0) continue;
          send(n, SIGCONT, "thaw", {{"why", "shutdown"}});
          send(n, SIGKILL, "kill", {{"why", "stop_timeout"}});
          int status = 0;
          waitpid(n.pid, &status, 0);
          exited(i, status);
        }
        break;
      }
      sleep_until(mono_ns() + 5'000'000);
    }
  }

  HarnessOptions o_;
  FaultLog log_;
  int log_fd_ = -1;
  std::string cookie_;
  std::unique_ptr<Network> net_;
  std::unique_ptr<Workloads> work_;
  std::vector<Node> nodes_;
  std::optional<std::vector<int>> cut_;
  bool quorum_ = false;
  std::int64_t t0_ = 0;
};

}  // namespace

void request_stop() {
  g_stop = 1;
}

int run_harness(const HarnessOptions& o) {
  try {
    Harness h(o);
    return h.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chaos: %s\n", e.what());
    return 1;
  }
}

}  // namespace chaos
