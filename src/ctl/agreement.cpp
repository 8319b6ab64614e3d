#include "ctl/agreement.hpp"

#include <map>

#include "ctl/cluster_dir.hpp"

namespace elector::ctl {

std::optional<std::string> agreed_leader(const std::vector<LeaderSighting>& running, int nodes,
                                         const std::optional<std::string>& expect) {
  if (running.empty()) return std::nullopt;
  std::optional<std::string> leader;
  for (const auto& s : running) {
    if (!s.answered || !s.leader || (leader && *leader != *s.leader)) return std::nullopt;
    if (!s.quorum_met) return std::nullopt;
    leader = s.leader;
  }
  if (expect && *leader != *expect) return std::nullopt;
  const auto k = parse_box_name(*leader);
  if (k && *k <= nodes) {
    bool leads = false;
    for (const auto& s : running) {
      if (s.box == *leader) leads = s.is_leader && (s.role.empty() || s.role == "leader");
    }
    if (!leads) return std::nullopt;
  }
  return leader;
}

std::optional<std::string> most_seen_leader(const std::vector<LeaderSighting>& running) {
  std::map<std::string, int> count;
  std::optional<std::string> best;
  int best_count = 0;
  for (const auto& s : running) {
    if (!s.answered || !s.leader) continue;
    const int c = ++count[*s.leader];
    if (c > best_count) {
      best = s.leader;
      best_count = c;
    }
  }
  return best;
}

}  // namespace elector::ctl
