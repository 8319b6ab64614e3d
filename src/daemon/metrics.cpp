#include "daemon/metrics.hpp"

#include <cstdint>
#include <string_view>

namespace elector::daemon {

namespace {

/// Label values may hold any text: backslash, double quote and newline must be escaped.
std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Page {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  void sample(std::string_view name, std::uint64_t value) {
    out_.append(name).append(" ").append(std::to_string(value)).append("\n");
  }
  void sample(std::string_view name, std::string_view label, std::string_view label_value,
              std::uint64_t value) {
    out_.append(name).append("{").append(label).append("=\"");
    out_.append(escape_label(label_value)).append("\"} ");
    out_.append(std::to_string(value)).append("\n");
  }
  void sample2(std::string_view name, std::string_view l1, std::string_view v1, std::string_view l2,
               std::string_view v2, std::uint64_t value) {
    out_.append(name).append("{").append(l1).append("=\"").append(escape_label(v1));
    out_.append("\",").append(l2).append("=\"").append(escape_label(v2)).append("\"} ");
    out_.append(std::to_string(value)).append("\n");
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string render_metrics(const elector::NodeStatus& status,
                           const elector::TransportStats& stats) {
  Page p;
  p.family("elector_term", "gauge", "Term of the leadership this node follows or holds.");
  p.sample("elector_term", status.term);
  p.family("elector_is_leader", "gauge", "1 while this node holds a valid leader lease.");
  p.sample("elector_is_leader", status.is_leader ? 1 : 0);

  p.family("elector_members", "gauge", "Members this node knows (itself included), by state.");
  for (const auto state : elector::kMemberStates) {
    const auto it = status.members_by_status.find(state);
    p.sample("elector_members", "state", elector::to_string(state),
             it == status.members_by_status.end() ? 0 : it->second);
  }

  p.family("elector_elections_total", "counter", "Elections this node saw finish.");
  p.sample("elector_elections_total", status.elections);
  p.family("elector_campaigns_total", "counter",
           "This node's campaigns, by round (pre, vote) and how they ended.");
  for (const auto& [round, ended] : status.campaigns) {
    for (const auto& [outcome, n] : ended) {
      p.sample2("elector_campaigns_total", "round", round, "outcome", outcome, n);
    }
  }
  p.family("elector_vote_refusals_total", "counter",
           "Refusals this node's campaigns received, by the voter's reason.");
  for (const auto& [reason, n] : status.vote_refusals) {
    p.sample("elector_vote_refusals_total", "reason", reason, n);
  }
  p.family("elector_messages_total", "counter", "Protocol messages received and sent.");
  p.sample("elector_messages_total", "direction", "in", stats.messages_in);
  p.sample("elector_messages_total", "direction", "out", stats.messages_out);
  p.family("elector_messages_by_kind_total", "counter",
           "Protocol messages received and sent, by kind.");
  for (const auto& [kind, n] : stats.in_by_kind) {
    p.sample2("elector_messages_by_kind_total", "direction", "in", "kind", kind, n);
  }
  for (const auto& [kind, n] : stats.out_by_kind) {
    p.sample2("elector_messages_by_kind_total", "direction", "out", "kind", kind, n);
  }
  p.family("elector_bytes_total", "counter", "Protocol bytes received and sent.");
  p.sample("elector_bytes_total", "direction", "in", stats.bytes_in);
  p.sample("elector_bytes_total", "direction", "out", stats.bytes_out);
  // The transport counts the peer connections it closed before they authenticated in the same
  // map, under a prefix (net::kRefusalPrefix): they are a family of their own here.
  static constexpr std::string_view kRefused = "connection/";
  p.family("elector_packets_dropped_total", "counter", "Packets dropped, by reason.");
  for (const auto& [reason, n] : stats.dropped) {
    if (reason.starts_with(kRefused)) continue;
    p.sample("elector_packets_dropped_total", "reason", reason, n);
  }
  p.family("elector_peer_connections_refused_total", "counter",
           "Peer connections closed before they authenticated (or at once, past the cap), by "
           "reason.");
  for (const auto& [reason, n] : stats.dropped) {
    if (reason.starts_with(kRefused)) {
      p.sample("elector_peer_connections_refused_total", "reason", reason.substr(kRefused.size()),
               n);
    }
  }

  p.family("elector_connections", "gauge", "TCP connections to and from members open now.");
  p.sample("elector_connections", stats.connections);

  p.family("elector_state_saved", "gauge",
           "0 while the state file cannot be saved (the node neither votes nor leads), else 1.");
  p.sample("elector_state_saved", status.state_saved ? 1 : 0);
  p.family("elector_state_save_failures_total", "counter", "Saves of the state file that failed.");
  p.sample("elector_state_save_failures_total", status.state_save_failures);

  p.family("elector_quorum_met", "gauge", "1 when a quorum of members is reachable.");
  p.sample("elector_quorum_met", status.quorum_met ? 1 : 0);
  p.family("elector_quorum", "gauge", "Supporters a leader needs, this node included.");
  p.sample("elector_quorum", status.quorum);
  p.family("elector_cluster_size", "gauge",
           "The cluster's known size: the most voters known at once.");
  p.sample("elector_cluster_size", status.cluster_size);
  p.family("elector_availability_mode", "gauge",
           "1 when an explicit quorum_size is half the cluster or less: a partition can elect two "
           "leaders.");
  p.sample("elector_availability_mode", status.availability_mode ? 1 : 0);
  p.family("elector_settings_mismatch", "gauge",
           "Members whose election settings differ from this node's.");
  p.sample("elector_settings_mismatch", status.settings_mismatch.size());
  return p.take();
}

}  // namespace elector::daemon
