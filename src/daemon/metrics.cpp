#include "daemon/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

#include "daemon/metrics_page.hpp"

namespace elector::daemon {

namespace {

using Outcome = HookResult::Outcome;
using Phase = elector::HookRequest::Phase;

std::uint64_t flag(bool b) {
  return b ? 1 : 0;
}

double seconds(elector::Duration d) {
  return std::chrono::duration<double>(d).count();
}

void leadership(MetricsPage& p, const elector::NodeStatus& status, const Recorded& recorded) {
  p.family("elector_term", "gauge", "Term of the leadership this node follows or holds.");
  p.sample("elector_term", {}, std::uint64_t{status.term});
  p.family("elector_is_leader", "gauge", "1 while this node holds a valid leader lease.");
  p.sample("elector_is_leader", {}, flag(status.is_leader));
  p.family("elector_lease_remaining_seconds", "gauge",
           "Time left on this node's leader lease (0 when it does not lead).");
  p.sample("elector_lease_remaining_seconds", {}, seconds(status.lease_left));

  p.family("elector_members", "gauge", "Members this node knows (itself included), by state.");
  for (const auto state : elector::kMemberStates) {
    const auto it = status.members_by_status.find(state);
    p.sample("elector_members", {{"state", elector::to_string(state)}},
             std::uint64_t{it == status.members_by_status.end() ? 0 : it->second});
  }

  p.family("elector_elections_total", "counter", "Elections this node saw finish.");
  p.sample("elector_elections_total", {}, std::uint64_t{status.elections});
  p.histogram("elector_election_duration_seconds",
              "Time from the start of an election this node saw to its end.",
              recorded.election_duration);
  p.histogram("elector_leader_loss_detection_seconds",
              "On a follower, time from the last heartbeat heard from its leader to the moment "
              "it gave that leader up as lost.",
              recorded.leader_loss_detection);
  p.family("elector_campaigns_total", "counter",
           "This node's campaigns, by round (pre, vote) and how they ended.");
  for (const auto& [round, ended] : status.campaigns) {
    for (const auto& [outcome, n] : ended) {
      p.sample("elector_campaigns_total", {{"round", round}, {"outcome", outcome}}, n);
    }
  }
  p.family("elector_vote_refusals_total", "counter",
           "Refusals this node's campaigns received, by the voter's reason.");
  for (const auto& [reason, n] : status.vote_refusals) {
    p.sample("elector_vote_refusals_total", {{"reason", reason}}, n);
  }
}

void traffic(MetricsPage& p, const elector::TransportStats& stats) {
  p.family("elector_messages_total", "counter",
           "Protocol messages received and sent, by direction and kind.");
  for (const auto& [kind, n] : stats.in_by_kind) {
    p.sample("elector_messages_total", {{"direction", "in"}, {"kind", kind}}, n);
  }
  for (const auto& [kind, n] : stats.out_by_kind) {
    p.sample("elector_messages_total", {{"direction", "out"}, {"kind", kind}}, n);
  }
  p.family("elector_bytes_total", "counter", "Protocol bytes received and sent.");
  p.sample("elector_bytes_total", {{"direction", "in"}}, stats.bytes_in);
  p.sample("elector_bytes_total", {{"direction", "out"}}, stats.bytes_out);
  // The transport counts the peer connections it closed before they authenticated in the same
  // map, under a prefix (net::kRefusalPrefix): they are a family of their own here.
  static constexpr std::string_view kRefused = "connection/";
  p.family("elector_packets_dropped_total", "counter", "Packets dropped, by reason.");
  for (const auto& [reason, n] : stats.dropped) {
    if (reason.starts_with(kRefused)) continue;
    p.sample("elector_packets_dropped_total", {{"reason", reason}}, n);
  }
  p.family("elector_peer_connections_refused_total", "counter",
           "Peer connections closed before they authenticated (or at once, past the cap), by "
           "reason.");
  for (const auto& [reason, n] : stats.dropped) {
    if (reason.starts_with(kRefused)) {
      p.sample("elector_peer_connections_refused_total",
               {{"reason", std::string_view(reason).substr(kRefused.size())}}, n);
    }
  }
  p.family("elector_connections", "gauge", "TCP connections to and from members open now.");
  p.sample("elector_connections", {}, stats.connections);
}

void health(MetricsPage& p, const elector::NodeStatus& status) {
  p.family("elector_state_saved", "gauge",
           "0 while the state file cannot be saved (the node neither votes nor leads), else 1.");
  p.sample("elector_state_saved", {}, flag(status.state_saved));
  p.family("elector_state_save_failures_total", "counter", "Saves of the state file that failed.");
  p.sample("elector_state_save_failures_total", {}, std::uint64_t{status.state_save_failures});

  p.family("elector_quorum_met", "gauge", "1 when a quorum of members is reachable.");
  p.sample("elector_quorum_met", {}, flag(status.quorum_met));
  p.family("elector_quorum", "gauge", "Supporters a leader needs, this node included.");
  p.sample("elector_quorum", {}, std::uint64_t{status.quorum});
  p.family("elector_cluster_size", "gauge",
           "The cluster's known size: the most voters known at once.");
  p.sample("elector_cluster_size", {}, std::uint64_t{status.cluster_size});
  p.family("elector_availability_mode", "gauge",
           "1 when an explicit quorum_size is half the cluster or less: a partition can elect two "
           "leaders.");
  p.sample("elector_availability_mode", {}, flag(status.availability_mode));
  p.family("elector_settings_mismatch_members", "gauge",
           "Members whose election settings differ from this node's.");
  p.sample("elector_settings_mismatch_members", {}, std::uint64_t{status.settings_mismatch.size()});
}

void hooks(MetricsPage& p, const Recorded& recorded) {
  p.family("elector_hook_runs_total", "counter",
           "Election hooks that ended, by hook (pre, post) and outcome.");
  for (const auto phase : {Phase::pre, Phase::post}) {
    for (const auto outcome : {Outcome::ok, Outcome::failed, Outcome::signaled, Outcome::timed_out,
                               Outcome::spawn_failed, Outcome::stopped}) {
      const auto it = recorded.hook_runs.find({phase, outcome});
      p.sample("elector_hook_runs_total",
               {{"hook", phase == Phase::pre ? "pre" : "post"}, {"outcome", to_string(outcome)}},
               std::uint64_t{it == recorded.hook_runs.end() ? 0 : it->second});
    }
  }
}

void process(MetricsPage& p, const ProcessStats& s) {
  p.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent.");
  p.sample("process_cpu_seconds_total", {}, s.cpu_seconds);
  p.family("process_resident_memory_bytes", "gauge", "Resident memory size.");
  p.sample("process_resident_memory_bytes", {}, s.resident_memory_bytes);
  p.family("process_virtual_memory_bytes", "gauge", "Virtual memory size.");
  p.sample("process_virtual_memory_bytes", {}, s.virtual_memory_bytes);
  p.family("process_open_fds", "gauge", "Open file descriptors.");
  p.sample("process_open_fds", {}, s.open_fds);
  p.family("process_max_fds", "gauge", "Most open file descriptors allowed.");
  p.sample("process_max_fds", {}, s.max_fds);
  p.family("process_start_time_seconds", "gauge",
           "Start time of the process since the Unix epoch.");
  p.sample("process_start_time_seconds", {}, s.start_time_seconds);
}

}  // namespace

std::string render_metrics(const elector::NodeStatus& status, const elector::TransportStats& stats,
                           const Recorded& recorded,
                           const std::optional<ProcessStats>& process_stats) {
  MetricsPage p;
  p.family("elector_build_info", "gauge", "Always 1; the labels say which electord this is.");
  p.sample("elector_build_info", {{"version", ELECTORD_VERSION}}, std::uint64_t{1});
  leadership(p, status, recorded);
  traffic(p, stats);
  health(p, status);
  hooks(p, recorded);
  if (process_stats) process(p, *process_stats);
  return p.take();
}

}  // namespace elector::daemon
