// Runs election hooks as shell commands (`/bin/sh -c CMD`), one at a time, in the order they were
// requested, on the runner's own thread (started with the first hook).
//
// A hook sees the daemon's environment plus ELECTOR_NODE, ELECTOR_LEADER (empty when there is
// none), ELECTOR_TERM, ELECTOR_ROLE (leader or follower), ELECTOR_EVENT (pre_election or
// post_election) and ELECTOR_ELECTION (the election's local number); ELECTOR_COOKIE is removed so
// that the cluster secret does not spread to every hook and its children. Its stdin is /dev/null,
// its stdout and stderr are the daemon's, and it inherits no other descriptor.
//
// Each hook runs in its own process group; when it runs longer than the timeout the whole group is
// killed (SIGKILL), so that a hung `sleep` started by the shell dies with it. A failing or killed
// hook is logged and the queue moves on. Callers never wait for a hook to finish, so a hook can
// never block an election; enqueue() of pre-election hooks returns once the first of them has
// started (the node sends that election's campaign or vote after it), the timeout at most.
//
// Thread safety: enqueue() and stop() may be called from any thread; `on_result` runs on the
// runner's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "elector/events.hpp"
#include "elector/time.hpp"

namespace elector::daemon {

struct HookResult {
  enum class Outcome {
    ok,            // exit code 0
    failed,        // exit code != 0 (`code`)
    signaled,      // ended by signal `code`
    timed_out,     // killed after the timeout
    spawn_failed,  // could not start the shell
    stopped,       // killed because the runner stopped
  };
  std::string command;
  elector::HookRequest::Phase phase = elector::HookRequest::Phase::pre;
  std::uint64_t election = 0;
  Outcome outcome = Outcome::ok;
  int code = 0;
  elector::Duration took{};
};

const char* to_string(HookResult::Outcome o);

struct HookRunnerOptions {
  std::string node_name;
  elector::Duration timeout = elector::ms(1000);
  /// Most hooks waiting; beyond it the oldest waiting one is dropped (with a warning), so that a
  /// storm of elections with slow hooks cannot grow memory without bound.
  std::size_t max_pending = 256;
  std::string shell = "/bin/sh";
  /// Called after each hook ended (tests, logs).
  std::function<void(const HookResult&)> on_result;
};

class HookRunner {
 public:
  explicit HookRunner(HookRunnerOptions opts);
  /// stop()s.
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  /// Queues `commands` (the pre or the post list, by request.phase) for `request`. Returns at once
  /// for post-election hooks; for pre-election hooks, once the first of them has started (it
  /// waits for the hooks queued before it), failed to start or was dropped, or after the timeout.
  void enqueue(const elector::HookRequest& request, const std::vector<std::string>& commands);

  /// Kills the running hook's process group, drops the waiting ones and joins the thread.
  /// Idempotent.
  void stop();

 private:
  struct Job {
    elector::HookRequest request;
    std::string command;
    std::uint64_t seq = 0;  // in queueing order, from 1
  };

  void run();
  HookResult run_one(const Job& job);
  /// Job `seq` has started (or never will): a pre-election enqueue() waiting for it returns.
  void mark_started(std::uint64_t seq);
  /// Waits for `pid` until it ends, the timeout passes or stop() is called.
  HookResult::Outcome wait_for(int pid, int& status_out);

  HookRunnerOptions opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::uint64_t queued_ = 0;   // the seq of the last job queued
  std::uint64_t started_ = 0;  // every job up to this seq has started, or never will
  std::condition_variable started_cv_;
  bool stopping_ = false;
  std::mutex join_mu_;  // serializes stop()s: one joins, the others find the thread joined
  int wake_fd_ = -1;    // eventfd: wakes a wait for a running hook when stopping
  std::thread thread_;
};

}  // namespace elector::daemon
