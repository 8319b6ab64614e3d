// The cluster's state as one table, the way king's DEBUG printed it: for every member its name,
// priority, the leader it sees, its term and a status, then one summary line.
//
// Everything here is pure: the probes (who answered what) come in, text goes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl/api.hpp"

namespace elector::ctl {

/// What asking one member for its /v1/status gave.
enum class ProbeState {
  answered,  // it answered; `status` holds the answer
  dead,      // it did not answer (or its process is gone)
  frozen,    // its process is stopped (SIGSTOP); not asked
  left,      // it left the cluster and does not answer
  no_api,    // it publishes no control address electorctl can reach
  error,     // it answered, but not with a valid status
};

struct Probe {
  std::string name;
  std::optional<std::int64_t> priority;  // known without asking (members list, box number)
  ProbeState state = ProbeState::dead;
  std::optional<StatusInfo> status;  // set when state == answered
  std::string detail;                // why it is not answered (for error messages)
};

struct StatusRow {
  std::string name;
  std::string priority;  // "-" when unknown
  std::string leader;    // "none" when it sees none, "-" when it did not answer
  std::string term;      // "-" when it did not answer
  /// ok, dead, frozen, left, no-api, error, or for members that answered: mismatch (election
  /// settings differ from the cluster's), no-quorum (quorum not met), no-leader (sees none),
  /// disagree (sees another leader than most members do).
  std::string status;
};

struct StatusReport {
  std::vector<StatusRow> rows;
  std::string summary;  // e.g. "5 members, 5 ok, leader box1 (agreed by 5)"
  /// The leader seen by every member that answered, if they all see the same one.
  std::optional<std::string> agreed_leader;
};

/// Classifies every probe and summarizes. Rows keep the order of `probes`.
StatusReport build_status_report(const std::vector<Probe>& probes);

/// The table (NAME PRIORITY LEADER TERM STATUS) followed by the summary line.
std::string render_status_report(const StatusReport& report);

}  // namespace elector::ctl
