#include "workload.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "spawn.hpp"

namespace chaos {

namespace {

using Json = nlohmann::json;

void sleep_ms(int ms) {
  timespec ts{0, ms * 1'000'000L};
  nanosleep(&ts, nullptr);
}

}  // namespace

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream f("/proc/" + std::string(e->d_name) + "/stat");
    std::string stat;
    if (!std::getline(f, stat)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ')' ends it.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

Workloads::Workloads(WorkloadOptions o, std::vector<std::string> names,
                     std::vector<std::string> controls, std::vector<std::string> netns,
                     FaultLog& log)
    : o_(std::move(o)),
      names_(std::move(names)),
      controls_(std::move(controls)),
      netns_(std::move(netns)),
      log_(log),
      runners_(names_.size()) {}

void Workloads::start_all() {
  for (std::size_t i = 0; i < runners_.size(); ++i) start(static_cast<int>(i));
}

void Workloads::start(int i) {
  auto& r = runners_[static_cast<std::size_t>(i)];
  ++r.incarnation;
  std::vector<std::string> args{o_.ctl, "--control", controls_[static_cast<std::size_t>(i)], "run"};
  if (o_.grace_ms >= 0) args.insert(args.end(), {"--grace", std::to_string(o_.grace_ms)});
  if (o_.margin_ms >= 0) args.insert(args.end(), {"--margin", std::to_string(o_.margin_ms)});
  args.insert(args.end(), {"--", "/bin/sh", "-c", o_.command});
  const auto& name = names_[static_cast<std::size_t>(i)];
  const auto t = mono_ns();
  r.pid = spawn(
      args, netns_[static_cast<std::size_t>(i)], o_.log_dir + "/" + name + ".run.log",
      {"ELECTOR_CHAOS_NODE=" + name, "ELECTOR_CHAOS_RUNNER=" + std::to_string(r.incarnation)});
  if (r.pid < 0) {
    r.pid = 0;
    r.down_since = t;
    log_.write(t, "skipped",
               {{"action", "workload_start"}, {"node", name}, {"why", "fork failed"}});
    return;
  }
  r.frozen.clear();
  log_.write(t, "workload_start", {{"node", name}, {"incarnation", r.incarnation}, {"pid", r.pid}});
}

void Workloads::reap(int i, int status, std::int64_t now_ns) {
  auto& r = runners_[static_cast<std::size_t>(i)];
  Json j{{"node", names_[static_cast<std::size_t>(i)]},
         {"incarnation", r.incarnation},
         {"pid", r.pid}};
  if (WIFSIGNALED(status)) {
    j["signal"] = WTERMSIG(status);
  } else {
    j["code"] = WEXITSTATUS(status);
  }
  log_.write(now_ns, "workload_exit", j);
  r.pid = 0;
  r.down_since = now_ns;
  r.frozen.clear();
}

void Workloads::housekeeping(std::int64_t now_ns) {
  for (std::size_t i = 0; i < runners_.size(); ++i) {
    auto& r = runners_[i];
    if (r.pid > 0) {
      int status = 0;
      if (waitpid(r.pid, &status, WNOHANG) == r.pid) reap(static_cast<int>(i), status, now_ns);
    } else if (!stopping_ && now_ns - r.down_since >= o_.restart_after_ms * 1'000'000) {
      start(static_cast<int>(i));
    }
  }
}

std::vector<pid_t> Workloads::freeze(int i) {
  auto& r = runners_[static_cast<std::size_t>(i)];
  if (r.pid <= 0) return {};
  // The runner first: once it is stopped it starts no new command, so its children are all there
  // is to stop.
  ::kill(r.pid, SIGSTOP);
  r.frozen = {r.pid};
  for (const pid_t c : children_of(r.pid)) {
    ::kill(-c, SIGSTOP);
    r.frozen.push_back(c);
  }
  return r.frozen;
}

void Workloads::thaw(int i, bool command_first) {
  auto& r = runners_[static_cast<std::size_t>(i)];
  if (r.frozen.empty()) return;
  const pid_t runner = r.frozen.front();
  if (!command_first) ::kill(runner, SIGCONT);
  for (std::size_t k = 1; k < r.frozen.size(); ++k) ::kill(-r.frozen[k], SIGCONT);
  if (command_first) ::kill(runner, SIGCONT);
  r.frozen.clear();
}

void Workloads::shutdown(std::int64_t timeout_ms) {
  stopping_ = true;  // nothing is started again
  for (std::size_t i = 0; i < runners_.size(); ++i) {
    thaw(static_cast<int>(i), false);
    if (runners_[i].pid > 0) ::kill(runners_[i].pid, SIGTERM);
  }
  const auto deadline = mono_ns() + timeout_ms * 1'000'000;
  for (std::size_t i = 0; i < runners_.size(); ++i) {
    auto& r = runners_[i];
    while (r.pid > 0) {
      int status = 0;
      if (waitpid(r.pid, &status, WNOHANG) == r.pid) {
        reap(static_cast<int>(i), status, mono_ns());
        break;
      }
      if (mono_ns() >= deadline) {
        for (const pid_t c : children_of(r.pid)) ::kill(-c, SIGKILL);
        ::kill(r.pid, SIGKILL);
        waitpid(r.pid, &status, 0);
        reap(static_cast<int>(i), status, mono_ns());
        break;
      }
      sleep_ms(5);
    }
  }
}

}  // namespace chaos
