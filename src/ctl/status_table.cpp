#include "ctl/status_table.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "ctl/table.hpp"

namespace elector::ctl {
namespace {

// The order in which statuses appear in the summary after "ok".
constexpr std::array<std::string_view, 9> kProblemOrder = {
    "mismatch", "no-quorum", "no-leader", "disagree", "frozen", "dead", "left", "no-api", "error"};

std::string_view unanswered_status(ProbeState state) {
  switch (state) {
    case ProbeState::dead:
      return "dead";
    case ProbeState::frozen:
      return "frozen";
    case ProbeState::left:
      return "left";
    case ProbeState::no_api:
      return "no-api";
    case ProbeState::error:
      return "error";
    case ProbeState::answered:
      break;
  }
  return "error";
}

/// The value held by strictly more entries than any other value; nullopt on a tie or when empty.
std::optional<std::string> plurality(const std::map<std::string, int>& counts) {
  std::optional<std::string> best;
  int best_count = 0;
  bool tie = false;
  for (const auto& [value, count] : counts) {
    if (count > best_count) {
      best = value;
      best_count = count;
      tie = false;
    } else if (count == best_count) {
      tie = true;
    }
  }
  if (tie) return std::nullopt;
  return best;
}

}  // namespace

StatusReport build_status_report(const std::vector<Probe>& probes) {
  // What the members that answered see: their leaders and their settings.
  std::map<std::string, int> leaders;  // "" = none
  std::map<std::string, int> hashes;
  int answered = 0;
  for (const auto& p : probes) {
    if (p.state != ProbeState::answered || !p.status) continue;
    ++answered;
    ++leaders[p.status->leader.value_or("")];
    if (!p.status->settings_hash.empty()) ++hashes[p.status->settings_hash];
  }
  std::map<std::string, int> named_leaders = leaders;
  named_leaders.erase("");
  const auto main_leader = plurality(named_leaders);
  // With a tie between two settings there is no "cluster's settings": every member that takes
  // part in the tie is reported, rather than picking one side at random.
  const auto main_hash = plurality(hashes);

  StatusReport report;
  std::map<std::string, int, std::less<>> counts;
  for (const auto& p : probes) {
    StatusRow row;
    row.name = p.name;
    auto priority = p.priority;
    if (p.status && p.status->priority) priority = p.status->priority;
    row.priority = priority ? std::to_string(*priority) : "-";
    if (p.state != ProbeState::answered || !p.status) {
      row.leader = "-";
      row.term = "-";
      row.status = unanswered_status(p.state == ProbeState::answered ? ProbeState::error : p.state);
    } else {
      const auto& s = *p.status;
      row.leader = s.leader.value_or("none");
      row.term = std::to_string(s.term);
      if (hashes.size() > 1 && !s.settings_hash.empty() && main_hash != s.settings_hash) {
        row.status = "mismatch";
      } else if (!s.quorum_met) {
        row.status = "no-quorum";
      } else if (!s.leader) {
        row.status = "no-leader";
      } else if (main_leader != s.leader) {
        row.status = "disagree";
      } else {
        row.status = "ok";
      }
    }
    ++counts[row.status];
    report.rows.push_back(std::move(row));
  }

  std::string summary =
      std::to_string(probes.size()) + (probes.size() == 1 ? " member" : " members");
  summary += ", " + std::to_string(counts["ok"]) + " ok";
  for (const auto status : kProblemOrder) {
    if (const auto it = counts.find(status); it != counts.end() && it->second > 0) {
      summary += ", " + std::to_string(it->second) + " " + std::string(status);
    }
  }
  if (answered == 0) {
    summary += ", no member answers";
  } else if (leaders.size() == 1 && !leaders.begin()->first.empty()) {
    report.agreed_leader = leaders.begin()->first;
    summary += ", leader " + leaders.begin()->first + " (agreed by " +
               std::to_string(leaders.begin()->second) + ")";
  } else if (leaders.size() == 1) {
    summary += ", no leader";
  } else {
    // Most seen first; "none" for members that see no leader.
    std::vector<std::pair<std::string, int>> seen(leaders.begin(), leaders.end());
    std::stable_sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second > b.second;
      if (a.first.empty() != b.first.empty()) return b.first.empty();  // none last
      return natural_less(a.first, b.first);
    });
    // A cluster in pieces can see hundreds of leaders; the table has them all.
    constexpr std::size_t kListed = 5;
    summary += ", no agreement:";
    for (std::size_t i = 0; i < seen.size() && i < kListed; ++i) {
      summary += (i == 0 ? " " : ", ") + (seen[i].first.empty() ? "none" : seen[i].first) + " (" +
                 std::to_string(seen[i].second) + ")";
    }
    if (seen.size() > kListed) summary += " and " + std::to_string(seen.size() - kListed) + " more";
  }
  report.summary = std::move(summary);
  return report;
}

std::string render_status_report(const StatusReport& report) {
  std::vector<TableRow> rows;
  rows.reserve(report.rows.size());
  for (const auto& r : report.rows)
    rows.push_back({r.name, r.priority, r.leader, r.term, r.status});
  return render_table({"NAME", "PRIORITY", "LEADER", "TERM", "STATUS"}, rows) + report.summary +
         "\n";
}

}  // namespace elector::ctl
