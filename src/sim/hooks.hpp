// Simulated hook execution with the semantics the daemon gives real hooks: each node runs its
// hooks one at a time in the order requested; a hook that outlasts `hook_timeout` is killed and
// the next one starts. Elections never wait for hooks.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "elector/events.hpp"
#include "elector/time.hpp"

namespace elector::sim {

struct HookRun {
  std::string node;
  HookRequest request;
  std::string command;
  Time started{};
  Time ended{};
  bool killed = false;
};

class HookRunner {
 public:
  /// Queues the commands of `req` (pre or post list) for `node`.
  void request(const std::string& node, const HookRequest& req,
               const std::vector<std::string>& commands, Time now, Duration run_for,
               Duration timeout, bool hang);
  /// Advances every node's queue to `now`.
  void advance(Time now);
  [[nodiscard]] Time next_due() const;
  [[nodiscard]] const std::vector<HookRun>& runs() const { return done_; }

 private:
  struct Pending {
    HookRun run;
    Duration run_for{};
    Duration timeout{};
    bool hang = false;
  };
  std::map<std::string, std::deque<Pending>> queues_;  // front is running when started != never
  std::vector<HookRun> done_;
};

}  // namespace elector::sim
