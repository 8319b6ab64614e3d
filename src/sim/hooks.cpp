#include "sim/hooks.hpp"

#include <algorithm>

namespace elector::sim {

void HookRunner::request(const std::string& node, const HookRequest& req,
                         const std::vector<std::string>& commands, Time now, Duration run_for,
                         Duration timeout, bool hang) {
  auto& q = queues_[node];
  for (const auto& cmd : commands) {
    Pending p;
    p.run = HookRun{node, req, cmd, kNever, kNever, false};
    p.run_for = run_for;
    p.timeout = timeout;
    p.hang = hang;
    q.push_back(std::move(p));
  }
  if (!q.empty() && q.front().run.started == kNever) q.front().run.started = now;
}

void HookRunner::advance(Time now) {
  for (auto& [node, q] : queues_) {
    while (!q.empty()) {
      Pending& p = q.front();
      if (p.run.started == kNever) p.run.started = now;
      const Duration limit = p.hang ? p.timeout : std::min(p.run_for, p.timeout);
      const Time end = p.run.started + limit;
      if (end > now) break;
      p.run.ended = end;
      p.run.killed = p.hang || p.run_for > p.timeout;
      done_.push_back(p.run);
      q.pop_front();
      if (!q.empty()) q.front().run.started = end;
    }
  }
}

Time HookRunner::next_due() const {
  Time t = kNever;
  for (const auto& [node, q] : queues_) {
    if (q.empty() || q.front().run.started == kNever) continue;
    const Pending& p = q.front();
    t = std::min(t, p.run.started + (p.hang ? p.timeout : std::min(p.run_for, p.timeout)));
  }
  return t;
}

}  // namespace elector::sim
