// Pre-election hooks start before the election goes on: enqueue() of one returns once its
// process runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "daemon/daemon_test_util.hpp"
#include "daemon/hook_runner.hpp"

namespace elector::daemon {
namespace {

using testing::slurp;

/// Whether a child of this process runs a command line that contains `text`.
bool child_runs(const std::string& text) {
  const std::string self = std::to_string(::getpid());
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string stat = slurp(e.path().string() + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    // Fields after the command: state, then the parent's pid.
    const auto ppid_at = stat.find(' ', paren + 2) + 1;
    if (stat.compare(ppid_at, self.size() + 1, self + " ") != 0) continue;
    std::string cmdline = slurp(e.path().string() + "/cmdline");
    for (auto& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(text) != std::string::npos) return true;
  }
  return false;
}

elector::HookRequest request(elector::HookRequest::Phase phase, std::uint64_t election) {
  elector::HookRequest r;
  r.phase = phase;
  r.election = election;
  return r;
}

TEST(HookRunnerPre, APreElectionEnqueueReturnsOnceItsHookRuns) {
  HookRunnerOptions o;
  o.node_name = "n";
  o.timeout = elector::ms(60'000);
  HookRunner runner(o);
  // The hook of an earlier election still runs: the pre-election hook waits for it, and so does
  // the enqueue.
  runner.enqueue(request(elector::HookRequest::Phase::post, 1), {"sleep 0.3"});
  runner.enqueue(request(elector::HookRequest::Phase::pre, 2), {"sleep 31.25"});
  EXPECT_TRUE(child_runs("sleep 31.25"));
  runner.stop();
}

}  // namespace
}  // namespace elector::daemon
