#include "ctl/cluster_cmd.hpp"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>

#include "ctl/agreement.hpp"
#include "ctl/client.hpp"
#include "ctl/cluster_dir.hpp"
#include "ctl/cluster_procs.hpp"
#include "ctl/errors.hpp"
#include "ctl/parallel.hpp"
#include "ctl/probe.hpp"
#include "ctl/status_table.hpp"
#include "ctl/table.hpp"

namespace elector::ctl {

namespace fs = std::filesystem;

namespace {

/// How long `up` and `start` watch their new processes for an immediate exit (a bad option, a
/// port in use, an unreadable secret): such a box is reported instead of being left for `ps`.
constexpr std::chrono::milliseconds kEarlyExitWatch{200};
constexpr std::chrono::milliseconds kTermGrace{5000};
constexpr std::chrono::milliseconds kKillGrace{1000};
constexpr std::chrono::milliseconds kWaitPoll{20};
// Requests in flight at once: enough that hundreds of frozen boxes (1 s timeout each) cost a few
// seconds, not minutes.
constexpr std::size_t kMaxParallelRequests = 128;

struct Box {
  int k = 0;
  std::string name;
  std::optional<pid_t> pid;
  ProcState state = ProcState::dead;
};

Box inspect(const ClusterDir& dir, int k) {
  Box box;
  box.k = k;
  box.name = box_name(k);
  box.pid = dir.read_pid(k);
  box.state = box.pid ? process_state(*box.pid, box.name) : ProcState::dead;
  return box;
}

std::vector<Box> inspect_all(const ClusterDir& dir, const ClusterConfig& cfg) {
  std::vector<Box> boxes;
  boxes.reserve(static_cast<std::size_t>(cfg.nodes));
  for (int k = 1; k <= cfg.nodes; ++k) boxes.push_back(inspect(dir, k));
  return boxes;
}

std::string last_lines(const fs::path& path, std::size_t count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& line : lines) out += "    " + line + "\n";
  return out;
}

/// Watches the boxes just started for an immediate exit; reports the first few on io.err.
/// Returns how many exited.
int report_early_exits(const ClusterDir& dir, const std::map<pid_t, int>& started, Out io) {
  constexpr int kDetailed =
      3;  // a bad option fails every box the same way: do not repeat it N times
  int failed = 0;
  const auto deadline = std::chrono::steady_clock::now() + kEarlyExitWatch;
  for (;;) {
    while (const auto child = reap_exited_child()) {
      const auto it = started.find(child->pid);
      if (it == started.end()) continue;
      if (++failed <= kDetailed) {
        io.err << box_name(it->second) << " (pid " << child->pid << ") exited at once with code "
               << child->code << "; end of " << dir.log_path(it->second).string() << ":\n"
               << last_lines(dir.log_path(it->second), 5);
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (failed > kDetailed) io.err << "... and " << failed - kDetailed << " more\n";
  return failed;
}

/// Warns when the boxes' ports lie in the kernel's ephemeral range (see ports_overlap).
void warn_about_ephemeral_ports(const ClusterConfig& cfg, Out io) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  if (!(in >> low >> high) || !ports_overlap(cfg, low, high)) return;
  io.err << "warning: some ports of this cluster lie in the kernel's ephemeral port range " << low
         << "-" << high
         << " (/proc/sys/net/ipv4/ip_local_port_range), where outgoing connections may take them "
            "first; a --base-port below "
         << std::max(0, low - kControlPortOffset - cfg.nodes) << " avoids that\n";
}

/// "box1..box5", or "box1" alone.
std::string box_range(int nodes) {
  return box_name(1) + (nodes > 1 ? ".." + box_name(nodes) : "");
}

}  // namespace

int cluster_up(const UpOptions& options, Out io) {
  check_ports(options.nodes, options.base_port);
  if (const auto reserved = reserved_extra(options.extra_args)) {
    throw UsageError(*reserved +
                     ": electorctl sets it for every box (boxK is named boxK, listens "
                     "on P+K, serves control on P+10000+K, has priority K, uses box1-3 "
                     "as seeds and DIR/boxK/events.jsonl as event log); remove it");
  }
  const ClusterDir dir(options.dir);
  ClusterConfig cfg;
  cfg.nodes = options.nodes;
  cfg.base_port = options.base_port;
  cfg.electord = find_electord(options.electord);
  cfg.cwd = fs::current_path().string();
  cfg.extra_args = options.extra_args;

  if (dir.has_config()) {
    const ClusterConfig old = dir.read_config();
    std::string running;
    for (const auto& box : inspect_all(dir, old)) {
      if (box.state != ProcState::dead) {
        running +=
            (running.empty() ? "" : ", ") + box.name + " (pid " + std::to_string(*box.pid) + ")";
      }
    }
    if (!running.empty()) {
      throw Failure(dir.root().string() + " already has running boxes: " + running +
                    "; stop them with 'electorctl cluster down --dir " + dir.root().string() + "'");
    }
    for (int k = 1; k <= old.nodes; ++k) dir.remove_pid(k);
  }
  if (!extras_choose_secret(cfg.extra_args)) {
    dir.ensure_cookie();
    cfg.cookie_file = dir.cookie_path().string();
  }
  warn_about_ephemeral_ports(cfg, io);
  // Written first, so that `down` can clean up even if starting stops half-way.
  dir.write_config(cfg);
  raise_open_files_limit();

  // box1 is started alone first: a binary that cannot run fails here, before N processes do.
  // The others do not wait for their exec to be confirmed one by one, which on a loaded machine
  // would make `up 450` crawl; their confirmations are collected at the end.
  std::map<pid_t, int> started;
  std::vector<std::pair<int, PendingSpawn>> pending;
  for (int k = 1; k <= cfg.nodes; ++k) {
    std::error_code ec;
    fs::remove(dir.events_path(k), ec);  // a fresh run: old events would confuse checkers
    try {
      auto child = start_detached(electord_command(cfg, dir, k), cfg.cwd, dir.log_path(k), true);
      if (k == 1) child.await_exec();
      dir.write_pid(k, child.pid());
      started.emplace(child.pid(), k);
      if (k > 1) pending.emplace_back(k, std::move(child));
    } catch (const Failure& e) {
      if (k == 1) throw;
      throw Failure(std::string(e.what()) + " (while starting " + box_name(k) + "; box1.." +
                    box_name(k - 1) + " are running: 'electorctl cluster down --dir " +
                    dir.root().string() + "' stops them)");
    }
    if (k % kStartBatch == 0 && k < cfg.nodes) std::this_thread::sleep_for(kStartPause);
  }
  int not_started = 0;
  for (auto& [k, child] : pending) {
    try {
      child.await_exec();
    } catch (const Failure& e) {
      ++not_started;
      started.erase(child.pid());
      dir.remove_pid(k);
      io.err << box_name(k) << ": " << e.what() << '\n';
    }
  }
  if (not_started > 0) {
    throw Failure(std::to_string(not_started) + " of " + std::to_string(cfg.nodes) +
                  " boxes could not be started (see above); 'electorctl cluster down --dir " +
                  dir.root().string() + "' stops the others");
  }
  const int failed = report_early_exits(dir, started, io);
  if (failed > 0) {
    throw Failure(std::to_string(failed) + " of " + std::to_string(cfg.nodes) +
                  " boxes exited at once (see above)" +
                  (failed < cfg.nodes ? "; 'electorctl cluster down --dir " + dir.root().string() +
                                            "' stops the others"
                                      : ""));
  }
  io.out << "started " << cfg.nodes << (cfg.nodes == 1 ? " box" : " boxes") << " in "
         << dir.root().string() << ": " << box_range(cfg.nodes) << ", listen " << cfg.host << ":"
         << listen_port(cfg, 1)
         << (cfg.nodes > 1 ? "-" + std::to_string(listen_port(cfg, cfg.nodes)) : "") << ", control "
         << cfg.host << ":" << control_port(cfg, 1)
         << (cfg.nodes > 1 ? "-" + std::to_string(control_port(cfg, cfg.nodes)) : "") << '\n';
  return kExitOk;
}

int cluster_ps(const fs::path& path, Out io) {
  const ClusterDir dir(path);
  const auto cfg = dir.read_config();
  std::vector<TableRow> rows;
  for (const auto& box : inspect_all(dir, cfg)) {
    rows.push_back({box.name, box.pid ? std::to_string(*box.pid) : "-", to_string(box.state),
                    listen_addr(cfg, box.k), control_addr(cfg, box.k)});
  }
  io.out << render_table({"NAME", "PID", "STATE", "LISTEN", "CONTROL"}, rows);
  return kExitOk;
}

int cluster_status(const fs::path& path, Out io) {
  const ClusterDir dir(path);
  const auto cfg = dir.read_config();
  std::vector<ProbeTarget> targets;
  for (const auto& box : inspect_all(dir, cfg)) {
    ProbeTarget t;
    t.name = box.name;
    t.priority = box.k;
    if (box.state == ProcState::running) {
      t.control = try_parse_endpoint(control_addr(cfg, box.k));
    } else {
      t.if_not_asked = box.state == ProcState::stopped ? ProbeState::frozen : ProbeState::dead;
    }
    targets.push_back(std::move(t));
  }
  io.out << render_status_report(
      build_status_report(probe_all(targets, kRequestTimeout, kMaxParallelRequests)));
  return kExitOk;
}

namespace {

/// The box NAME of the cluster in `path`, which must have a process (running or stopped).
struct LiveBox {
  ClusterConfig cfg;
  Box box;
};

LiveBox live_box(const ClusterDir& dir, const std::string& name) {
  LiveBox live;
  live.cfg = dir.read_config();
  live.box = inspect(dir, dir.resolve(name, live.cfg));
  if (live.box.state == ProcState::dead) throw Failure(name + " is not running");
  return live;
}

}  // namespace

int cluster_kill(const fs::path& path, const std::string& name, Out io) {
  const ClusterDir dir(path);
  const auto live = live_box(dir, name);
  const pid_t pid = *live.box.pid;
  if (!send_signal(pid, SIGKILL)) throw Failure(name + " is not running");
  // SIGKILL is delivered asynchronously; wait, so that the next command sees it dead.
  wait_until_gone({pid}, {live.box.name}, kKillGrace);
  io.out << "killed " << name << " (pid " << pid << ")\n";
  return kExitOk;
}

int cluster_start(const fs::path& path, const std::string& name,
                  const std::optional<std::string>& electord, Out io) {
  const ClusterDir dir(path);
  ClusterConfig cfg = dir.read_config();
  const Box box = inspect(dir, dir.resolve(name, cfg));
  if (box.state != ProcState::dead) {
    throw Failure(name + (box.state == ProcState::stopped ? " is frozen" : " is already running") +
                  " (pid " + std::to_string(*box.pid) + ")");
  }
  if (electord) cfg.electord = find_electord(electord);
  raise_open_files_limit();
  const pid_t pid = spawn_detached(electord_command(cfg, dir, box.k), cfg.cwd, dir.log_path(box.k),
                                   /*truncate_log=*/false);
  dir.write_pid(box.k, pid);
  if (report_early_exits(dir, {{pid, box.k}}, io) > 0) {
    throw Failure(name + " exited at once (see above)");
  }
  io.out << "started " << name << " (pid " << pid << ")\n";
  return kExitOk;
}

int cluster_freeze(const fs::path& path, const std::string& name, Out io) {
  const ClusterDir dir(path);
  const auto live = live_box(dir, name);
  const pid_t pid = *live.box.pid;
  if (!send_signal(pid, SIGSTOP)) throw Failure(name + " is not running");
  wait_for_state(pid, live.box.name, ProcState::stopped, kKillGrace);
  io.out << "frozen " << name << " (pid " << pid << ")\n";
  return kExitOk;
}

int cluster_thaw(const fs::path& path, const std::string& name, Out io) {
  const ClusterDir dir(path);
  const auto live = live_box(dir, name);
  const pid_t pid = *live.box.pid;
  if (!send_signal(pid, SIGCONT)) throw Failure(name + " is not running");
  wait_for_state(pid, live.box.name, ProcState::running, kKillGrace);
  io.out << "thawed " << name << " (pid " << pid << ")\n";
  return kExitOk;
}

int cluster_attach(const fs::path& path, const std::string& name, ConsoleIo io) {
  const ClusterDir dir(path);
  const auto live = live_box(dir, name);
  if (live.box.state == ProcState::stopped) {
    throw Failure(name + " is frozen; 'electorctl cluster thaw " + name + "' first");
  }
  const auto endpoint = parse_endpoint(control_addr(live.cfg, live.box.k), "control address");
  return run_console(endpoint, name, io);
}

int cluster_down(const fs::path& path, Out io) {
  const ClusterDir dir(path);
  const auto cfg = dir.read_config();
  std::vector<pid_t> pids;
  std::vector<std::string> names;
  for (const auto& box : inspect_all(dir, cfg)) {
    if (box.state == ProcState::dead) continue;
    // SIGCONT first: a frozen process would not act on SIGTERM until thawed.
    send_signal(*box.pid, SIGCONT);
    send_signal(*box.pid, SIGTERM);
    pids.push_back(*box.pid);
    names.push_back(box.name);
  }
  const auto stragglers = wait_until_gone(pids, names, kTermGrace);
  std::vector<pid_t> killed_pids;
  std::vector<std::string> killed_names;
  for (const auto i : stragglers) {
    send_signal(pids[i], SIGKILL);
    killed_pids.push_back(pids[i]);
    killed_names.push_back(names[i]);
  }
  const auto survivors = wait_until_gone(killed_pids, killed_names, kKillGrace);
  for (int k = 1; k <= cfg.nodes; ++k) dir.remove_pid(k);

  if (pids.empty()) {
    io.out << "no box was running in " << dir.root().string() << '\n';
    return kExitOk;
  }
  io.out << "stopped " << pids.size() << (pids.size() == 1 ? " box" : " boxes");
  if (!stragglers.empty()) {
    io.out << " (" << stragglers.size() << " did not exit within " << kTermGrace.count() / 1000
           << " s of SIGTERM and got SIGKILL)";
  }
  io.out << '\n';
  if (!survivors.empty()) {
    std::string list;
    for (const auto i : survivors) {
      list += (list.empty() ? "" : ", ") + killed_names[i] + " (pid " +
              std::to_string(killed_pids[i]) + ")";
    }
    throw Failure("still there after SIGKILL: " + list);
  }
  return kExitOk;
}

namespace {

struct Sight {
  std::optional<StatusInfo> info;
  std::string error;
};

void fill(LeaderSighting& s, const Sight& sight) {
  s.answered = sight.info.has_value();
  s.leader = sight.info ? sight.info->leader : std::nullopt;
  s.is_leader = sight.info && sight.info->is_leader;
  s.role = sight.info ? sight.info->role : std::string();
  s.quorum_met = !sight.info || sight.info->quorum_met;
}

std::string describe(const Box& box, const Sight& sight) {
  if (box.state == ProcState::dead) return "dead";
  if (box.state == ProcState::stopped) return "frozen";
  if (!sight.info) return sight.error.empty() ? "not asked yet" : "no answer (" + sight.error + ")";
  std::string text = sight.info->leader.value_or("none");
  text += " (term " + std::to_string(sight.info->term);
  if (sight.info->is_leader) text += ", is leader";
  if (!sight.info->quorum_met) {
    text += ", quorum " + std::to_string(sight.info->quorum_size) + " not met with " +
            std::to_string(sight.info->members_alive) + " alive";
  }
  return text + ")";
}

}  // namespace

int cluster_wait(const fs::path& path, const WaitOptions& options, Out io) {
  const ClusterDir dir(path);
  const auto cfg = dir.read_config();
  if (options.expect) dir.resolve(*options.expect, cfg, "--expect");
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options.timeout;
  // The latest answer of every box. Asking hundreds of boxes every 20 ms would itself load a
  // small machine, so a round may ask only the boxes that do not name the most seen leader, and
  // that leader; agreement is only ever declared after a round that asked every box.
  std::vector<Sight> latest(static_cast<std::size_t>(cfg.nodes));
  std::vector<Box> boxes;
  bool confirming = false;
  unsigned round = 0;
  for (;;) {
    boxes = inspect_all(dir, cfg);
    std::vector<LeaderSighting> sightings;
    std::vector<std::size_t> running;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      if (boxes[i].state != ProcState::running) {
        latest[i] = Sight{};
        continue;
      }
      running.push_back(i);
      LeaderSighting s;
      s.box = boxes[i].name;
      fill(s, latest[i]);
      sightings.push_back(std::move(s));
    }
    if (running.empty()) throw Failure("no box is running in " + dir.root().string());
    // A partial round only while the most seen leader looks like the answer: it runs and says it
    // leads (or is not one of our boxes). Every tenth round is full anyway, so that answers kept
    // from earlier rounds cannot hide a change for long.
    const auto most_seen = most_seen_leader(sightings);
    bool partial = most_seen && !confirming && round % 10 != 0;
    if (partial) {
      const auto k = parse_box_name(*most_seen);
      if (k && *k <= cfg.nodes) {
        const auto& theirs = latest[static_cast<std::size_t>(*k - 1)];
        partial = boxes[static_cast<std::size_t>(*k - 1)].state == ProcState::running &&
                  theirs.info && theirs.info->is_leader;
      }
    }
    ++round;
    std::vector<std::size_t> ask;
    for (std::size_t j = 0; j < running.size(); ++j) {
      const auto& s = sightings[j];
      if (!partial || !s.answered || s.leader != most_seen || s.box == *most_seen) {
        ask.push_back(running[j]);
      }
    }
    const bool full_round = ask.size() == running.size();
    parallel_for(ask.size(), kMaxParallelRequests, [&](std::size_t j) {
      const std::size_t i = ask[j];
      latest[i] = Sight{};
      try {
        const auto endpoint = parse_endpoint(control_addr(cfg, boxes[i].k), "control address");
        latest[i].info = NodeClient(endpoint, kRequestTimeout).status();
      } catch (const std::exception& e) {
        latest[i].error = e.what();
      }
    });
    for (std::size_t j = 0; j < running.size(); ++j) fill(sightings[j], latest[running[j]]);
    const auto leader = agreed_leader(sightings, cfg.nodes, options.expect);
    const auto now = std::chrono::steady_clock::now();
    if (leader && full_round) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      io.out << "leader " << *leader << " agreed by " << running.size()
             << (running.size() == 1 ? " node" : " nodes") << " after " << elapsed.count()
             << " ms\n";
      return kExitOk;
    }
    if (now >= deadline) break;
    // Agreement seen over answers from different rounds: confirm it at once with a full round.
    confirming = leader.has_value();
    if (!confirming) std::this_thread::sleep_for(kWaitPoll);
  }
  std::ostringstream why;
  why << "no agreement on a leader";
  if (options.expect) why << " (expected " << *options.expect << ")";
  why << " within " << options.timeout.count() << " ms; what each box sees:";
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    why << "\n  " << boxes[i].name << ": " << describe(boxes[i], latest[i]);
  }
  throw Failure(why.str());
}

}  // namespace elector::ctl
