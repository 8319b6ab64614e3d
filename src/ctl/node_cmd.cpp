#include "ctl/node_cmd.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <thread>

#include "ctl/client.hpp"
#include "ctl/event_stream.hpp"
#include "ctl/probe.hpp"
#include "ctl/status_table.hpp"
#include "ctl/table.hpp"

namespace elector::ctl {

int cmd_leader(const Endpoint& node, Out io) {
  const auto info = NodeClient(node, kRequestTimeout).leader();
  io.out << info.leader.value_or("none") << '\n';
  return info.leader ? kExitOk : kExitFailure;
}

int cmd_is_leader(const Endpoint& node, Out io) {
  const auto info = NodeClient(node, kRequestTimeout).leader();
  io.out << (info.is_leader ? "true" : "false") << '\n';
  return info.is_leader ? kExitOk : kExitFailure;
}

int cmd_term(const Endpoint& node, Out io) {
  io.out << NodeClient(node, kRequestTimeout).leader().term << '\n';
  return kExitOk;
}

int cmd_members(const Endpoint& node, Out io) {
  auto members = NodeClient(node, kRequestTimeout).members();
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return natural_less(a.name, b.name); });
  std::vector<TableRow> rows;
  for (const auto& m : members) {
    rows.push_back({m.name, m.addr.empty() ? "-" : m.addr, m.status.empty() ? "-" : m.status,
                    m.priority ? std::to_string(*m.priority) : "-", m.candidate ? "yes" : "no",
                    m.settings_match ? "match" : "MISMATCH"});
  }
  io.out << render_table({"NAME", "ADDR", "STATUS", "PRIORITY", "CANDIDATE", "SETTINGS"}, rows);
  return kExitOk;
}

int cmd_status(const Endpoint& node, Out io) {
  auto members = NodeClient(node, kRequestTimeout).members();
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return natural_less(a.name, b.name); });
  std::vector<ProbeTarget> targets;
  for (const auto& m : members) {
    ProbeTarget t;
    t.name = m.name;
    t.priority = m.priority;
    // The node we asked may publish its own control address as a wildcard or not at all; we
    // know that one answers where we reached it.
    t.control = m.self ? std::optional<Endpoint>(node) : try_parse_endpoint(m.control);
    t.if_silent = m.status == "left" ? ProbeState::left : ProbeState::dead;
    targets.push_back(std::move(t));
  }
  io.out << render_status_report(build_status_report(probe_all(targets, kRequestTimeout)));
  return kExitOk;
}

int cmd_elect(const Endpoint& node, bool sync, std::chrono::milliseconds timeout, Out io) {
  const auto outcome = NodeClient(node, kRequestTimeout).elect(sync, timeout);
  switch (outcome.result) {
    case ElectOutcome::Result::started:
      io.out << "started\n";
      return kExitOk;
    case ElectOutcome::Result::elected:
      io.out << outcome.leader.value_or("none") << '\n';
      return kExitOk;
    case ElectOutcome::Result::quorum_not_met:
      io.err << "quorum not met\n";
      return kExitFailure;
    case ElectOutcome::Result::no_leader_in_time:
      io.err << "no leader within " << timeout.count() << " ms\n";
      return kExitFailure;
    case ElectOutcome::Result::stopping:
      io.err << "node is stopping\n";
      return kExitFailure;
  }
  return kExitFailure;
}

int cmd_clear_leader(const Endpoint& node, Out io) {
  NodeClient(node, kRequestTimeout).clear_leader();
  io.out << "cleared\n";
  return kExitOk;
}

int cmd_watch(const Endpoint& node, WatchLimits limits, Out io) {
  EventStream stream(node);
  std::uint64_t seen = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  // The duration limit needs a second thread: the stream's thread may be blocked in a read.
  std::jthread timer;
  if (limits.duration.count() > 0) {
    timer = std::jthread([&](std::stop_token) {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, limits.duration, [&] { return done; })) {
        lock.unlock();
        // Repeated because a stop that lands while connecting is not noticed (EventStream::stop).
        for (;;) {
          stream.stop();
          std::unique_lock again(mu);
          if (cv.wait_for(again, std::chrono::milliseconds(50), [&] { return done; })) break;
        }
      }
    });
  }
  std::string error;
  const auto end = stream.run(
      [&](const std::string& data) {
        io.out << data << std::endl;  // flushed: watch is often piped into another program
        ++seen;
        return limits.max_events == 0 || seen < limits.max_events;
      },
      &error);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (timer.joinable()) timer.join();
  if (end == EventStream::End::stopped) return kExitOk;
  throw Failure(error.empty() ? "event stream ended" : error);
}

}  // namespace elector::ctl
