// When a local cluster counts as agreed on a leader (`electorctl cluster wait`). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace elector::ctl {

/// What one running box answered to GET /v1/leader.
struct LeaderSighting {
  std::string box;
  bool answered = false;
  std::optional<std::string> leader;
  bool is_leader = false;
};

/// The leader, if every running box answered and names the same one, and that leader:
/// - is `expect` when given;
/// - if it is one of the cluster's boxes (box1..box`nodes`), is among the running ones and
///   itself reports is_leader. The others may still name a leader that was just frozen or
///   killed; that is not agreement yet.
std::optional<std::string> agreed_leader(const std::vector<LeaderSighting>& running, int nodes,
                                         const std::optional<std::string>& expect);

/// The leader named by the most running boxes (on a tie, the first in `running` order); nullopt
/// when none names one.
std::optional<std::string> most_seen_leader(const std::vector<LeaderSighting>& running);

}  // namespace elector::ctl
