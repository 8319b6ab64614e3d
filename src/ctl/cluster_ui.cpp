#include "ctl/cluster_ui.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "ctl/client.hpp"
#include "ctl/cluster_dir.hpp"
#include "ctl/cluster_procs.hpp"
#include "ctl/errors.hpp"

extern char** environ;

namespace elector::ctl {

namespace fs = std::filesystem;

namespace {

/// Runs argv and waits for it; its exit code (128 + the signal when killed), or throws Failure
/// when it cannot start.
int run_and_wait(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (err != 0) throw Failure("cannot run " + argv[0] + ": " + std::strerror(err));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Failure("waiting for " + argv[0] + ": " + std::strerror(errno));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Whether box k's control API answers now.
bool answers(const ClusterConfig& cfg, int k) {
  try {
    NodeClient(parse_endpoint(control_addr(cfg, k), "control address"), kRequestTimeout).status();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::optional<std::vector<std::string>> ui_opener(const std::string& url, bool open,
                                                  bool stdout_is_tty, const char* browser,
                                                  const std::optional<std::string>& xdg_open) {
  if (!open || !stdout_is_tty) return std::nullopt;
  if (browser != nullptr && *browser != '\0') {
    // A shell command, as $BROWSER is elsewhere ("firefox --new-window"): the URL is its last
    // argument, passed as one word whatever it holds.
    return std::vector<std::string>{"/bin/sh", "-c", std::string(browser) + " \"$1\"", "sh", url};
  }
  if (xdg_open) return std::vector<std::string>{*xdg_open, url};
  return std::nullopt;
}

int cluster_ui(const fs::path& path, const UiOptions& options, Out io, bool stdout_is_tty) {
  const ClusterDir dir(path);
  const auto cfg = dir.read_config();
  std::optional<int> box;
  if (options.name) {
    const int k = dir.resolve(*options.name, cfg);
    const auto pid = dir.read_pid(k);
    const auto state = pid ? process_state(*pid, box_name(k)) : ProcState::dead;
    if (state != ProcState::running) {
      throw Failure(*options.name + " is " +
                    (state == ProcState::stopped ? "frozen" : "not running"));
    }
    box = k;
  } else {
    for (int k = 1; k <= cfg.nodes && !box; ++k) {
      const auto pid = dir.read_pid(k);
      if (pid && process_state(*pid, box_name(k)) == ProcState::running && answers(cfg, k)) box = k;
    }
    if (!box) throw Failure("no box of " + dir.root().string() + " answers");
  }
  const std::string url = "http://" + control_addr(cfg, *box) + "/ui";
  io.out << url << '\n';
  io.out.flush();
  const char* browser = std::getenv("BROWSER");
  const auto xdg = search_path("xdg-open");
  const auto opener = ui_opener(url, options.open, stdout_is_tty, browser,
                                xdg ? std::optional<std::string>(xdg->string()) : std::nullopt);
  if (!opener) return kExitOk;
  const int code = run_and_wait(*opener);
  if (code != 0) {
    throw Failure("the browser did not open (" +
                  std::string(browser != nullptr && *browser != '\0' ? "$BROWSER" : "xdg-open") +
                  " exited with code " + std::to_string(code) + "); the URL is above");
  }
  return kExitOk;
}

}  // namespace elector::ctl
