#include "daemon/hook_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/daemon_test_util.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using testing::slurp;
using testing::TempDir;

/// Collects the results the runner reports, and waits for them with a generous bound.
class Results {
 public:
  std::function<void(const HookResult&)> callback() {
    return [this](const HookResult& r) {
      const std::lock_guard lock(mu_);
      results_.push_back(r);
      cv_.notify_all();
    };
  }
  std::vector<HookResult> wait_for(std::size_t n, std::chrono::milliseconds limit = 30s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return results_.size() >= n; });
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HookResult> results_;
};

elector::HookRequest post(std::optional<std::string> leader, std::uint64_t term, bool is_leader,
                          std::uint64_t election = 1) {
  elector::HookRequest r;
  r.phase = elector::HookRequest::Phase::post;
  r.leader = std::move(leader);
  r.term = term;
  r.is_leader = is_leader;
  r.election = election;
  return r;
}

TEST(HookRunner, HooksSeeTheirEnvironment) {
  TempDir dir;
  const auto out = dir.file("env");
  ::setenv("ELECTOR_COOKIE", "do-not-leak", 1);
  ::setenv("ELECTORD_TEST_INHERITED", "inherited", 1);
  Results results;
  HookRunnerOptions o;
  o.node_name = "box2";
  o.on_result = results.callback();
  HookRunner runner(o);
  const std::string cmd =
      "echo \"$ELECTOR_NODE|$ELECTOR_LEADER|$ELECTOR_TERM|$ELECTOR_ROLE|$ELECTOR_EVENT|"
      "$ELECTOR_ELECTION|${ELECTOR_COOKIE-unset}|$ELECTORD_TEST_INHERITED\" >> " +
      out;
  runner.enqueue(post("box1", 7, false, 4), {cmd});
  elector::HookRequest pre;
  pre.phase = elector::HookRequest::Phase::pre;
  pre.term = 7;
  pre.election = 5;
  runner.enqueue(pre, {cmd});
  runner.enqueue(post("box2", 8, true, 5), {cmd});
  const auto r = results.wait_for(3);
  ::unsetenv("ELECTOR_COOKIE");
  ::unsetenv("ELECTORD_TEST_INHERITED");
  ASSERT_EQ(r.size(), 3U);
  for (const auto& x : r) EXPECT_EQ(x.outcome, HookResult::Outcome::ok) << x.command;
  EXPECT_EQ(slurp(out),
            "box2|box1|7|follower|post_election|4|unset|inherited\n"
            "box2||7|follower|pre_election|5|unset|inherited\n"
            "box2|box2|8|leader|post_election|5|unset|inherited\n");
}

TEST(HookRunner, RunsInTheOrderRequested) {
  TempDir dir;
  const auto out = dir.file("order");
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.on_result = results.callback();
  HookRunner runner(o);
  // The first hook is the slowest: a runner that did not run them one at a time would reorder.
  runner.enqueue(post("n", 1, true), {"sleep 0.2; echo 1 >> " + out, "echo 2 >> " + out});
  runner.enqueue(post("n", 2, true), {"echo 3 >> " + out});
  ASSERT_EQ(results.wait_for(3).size(), 3U);
  EXPECT_EQ(slurp(out), "1\n2\n3\n");
}

bool process_gone(pid_t pid) {
  // A zombie waiting for its new parent to reap it counts as gone: it runs no more.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(HookRunner, HangingHookIsKilledWithItsGroupAndTheNextRuns) {
  TempDir dir;
  const auto pidfile = dir.file("pid");
  const auto out = dir.file("next");
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.timeout = elector::ms(300);
  o.on_result = results.callback();
  HookRunner runner(o);
  const auto start = std::chrono::steady_clock::now();
  runner.enqueue(post("n", 1, true),
                 {"sleep 30 & echo $! > " + pidfile + "; wait", "echo ran >> " + out});
  const auto r = results.wait_for(2);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].outcome, HookResult::Outcome::timed_out);
  EXPECT_GE(r[0].took, elector::ms(250));
  EXPECT_LT(took, 20s);
  EXPECT_EQ(r[1].outcome, HookResult::Outcome::ok);
  EXPECT_EQ(slurp(out), "ran\n");
  // The background `sleep` was in the hook's process group: it died too.
  const pid_t sleeper = std::stoi(slurp(pidfile));
  EXPECT_TRUE(testing::wait_until([&] { return process_gone(sleeper); }, 10s))
      << "sleep " << sleeper << " still runs";
}

TEST(HookRunner, FailingHookIsReportedAndTheNextRuns) {
  TempDir dir;
  const auto out = dir.file("next");
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.on_result = results.callback();
  HookRunner runner(o);
  runner.enqueue(post("n", 1, true), {"exit 3", "kill -9 $$", "echo ran >> " + out});
  const auto r = results.wait_for(3);
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[0].outcome, HookResult::Outcome::failed);
  EXPECT_EQ(r[0].code, 3);
  EXPECT_EQ(r[1].outcome, HookResult::Outcome::signaled);
  EXPECT_EQ(r[1].code, SIGKILL);
  EXPECT_EQ(r[2].outcome, HookResult::Outcome::ok);
  EXPECT_EQ(slurp(out), "ran\n");
}

TEST(HookRunner, MissingShellIsReported) {
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.shell = "/nonexistent/sh";
  o.on_result = results.callback();
  HookRunner runner(o);
  runner.enqueue(post("n", 1, true), {"true"});
  const auto r = results.wait_for(1);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].outcome, HookResult::Outcome::spawn_failed);
}

TEST(HookRunner, EnqueueNeverWaitsForHooks) {
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.timeout = elector::ms(60'000);
  o.on_result = results.callback();
  HookRunner runner(o);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) runner.enqueue(post("n", 1, true), {"sleep 30"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  runner.stop();
}

TEST(HookRunner, StopKillsTheRunningHookPromptly) {
  TempDir dir;
  const auto started = dir.file("started");
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.timeout = elector::ms(60'000);
  o.on_result = results.callback();
  HookRunner runner(o);
  runner.enqueue(post("n", 1, true), {"touch " + started + "; sleep 30", "echo never"});
  ASSERT_TRUE(testing::wait_until([&] { return std::ifstream(started).good(); }));
  const auto t0 = std::chrono::steady_clock::now();
  runner.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  const auto r = results.wait_for(1, 1s);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].outcome, HookResult::Outcome::stopped);
  runner.stop();  // idempotent
}

TEST(HookRunner, QueueIsBounded) {
  Results results;
  HookRunnerOptions o;
  o.node_name = "n";
  o.max_pending = 2;
  o.on_result = results.callback();
  HookRunner runner(o);
  TempDir dir;
  const auto out = dir.file("out");
  // Whether or not the sleep has started, only c and d can be left once a..d are queued.
  runner.enqueue(post("n", 1, true), {"sleep 0.5"});
  runner.enqueue(post("n", 2, true),
                 {"echo a >> " + out, "echo b >> " + out, "echo c >> " + out, "echo d >> " + out});
  ASSERT_TRUE(testing::wait_until([&] { return slurp(out) == "c\nd\n"; }, 20s)) << slurp(out);
}

}  // namespace
}  // namespace elector::daemon
