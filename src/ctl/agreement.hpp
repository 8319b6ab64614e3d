// When a local cluster counts as agreed on a leader (`electorctl cluster wait`). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace elector::ctl {

/// What one running box answered to GET /v1/status.
struct LeaderSighting {
  std::string box;
  bool answered = false;
  std::optional<std::string> leader;
  bool is_leader = false;
  std::string role;        // "leader", "follower", ...; empty when the answer had none
  bool quorum_met = true;  // false only when the answer says so
};

/// The leader, if every running box answered, names the same one and has its quorum (none says
/// quorum_met false), and that leader:
/// - is `expect` when given;
/// - if it is one of the cluster's boxes (box1..box`nodes`), is among the running ones and
///   itself reports is_leader (its lease holds now) and, when it says, the role leader. The
///   others may still name a leader that was just frozen or killed, and a leader whose quorum
///   just went keeps its lease for a while; that is not agreement.
std::optional<std::string> agreed_leader(const std::vector<LeaderSighting>& running, int nodes,
                                         const std::optional<std::string>& expect);

/// The leader named by the most running boxes (on a tie, the first in `running` order); nullopt
/// when none names one.
std::optional<std::string> most_seen_leader(const std::vector<LeaderSighting>& running);

}  // namespace elector::ctl
