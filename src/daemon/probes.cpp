#include "daemon/probes.hpp"

#include <string>
#include <vector>

namespace elector::daemon {

namespace {

std::string names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// `failed` and `errors` in the order of the checks; 200 when none failed.
ProbeAnswer verdict(Json checks, const std::vector<std::string>& failed,
                    const std::vector<std::string>& errors) {
  ProbeAnswer a;
  a.status = failed.empty() ? 200 : 503;
  a.body["status"] = failed.empty() ? "ready" : "not_ready";
  a.body["checks"] = std::move(checks);
  if (!failed.empty()) {
    a.body["failed"] = failed;
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e;
    a.body["error"] = text;
  }
  return a;
}

}  // namespace

std::size_t up_members(const elector::NodeStatus& st) {
  std::size_t n = 0;
  for (const auto& [state, count] : st.members_by_status) {
    if (state == elector::MemberState::alive || state == elector::MemberState::suspect) n += count;
  }
  return n;
}

ProbeAnswer liveness() {
  ProbeAnswer a;
  a.body["status"] = "ok";
  return a;
}

ProbeAnswer readiness(const elector::NodeStatus& st) {
  Json checks = Json::object();
  std::vector<std::string> failed;
  std::vector<std::string> errors;
  checks["joined"] = st.quorum_met ? "ok" : "failed";
  if (!st.quorum_met) {
    failed.emplace_back("joined");
    errors.push_back("not joined: sees " + std::to_string(up_members(st)) +
                     " member(s) up, itself included, of the " + std::to_string(st.quorum) +
                     " a quorum needs");
  }
  const bool settings_ok = st.settings_mismatch.empty();
  checks["settings"] = settings_ok ? "ok" : "failed";
  if (!settings_ok) {
    failed.emplace_back("settings");
    errors.push_back("election settings differ from those of " + names(st.settings_mismatch));
  }
  return verdict(std::move(checks), failed, errors);
}

ProbeAnswer leader_readiness(const LeaderView& v) {
  Json checks = Json::object();
  checks["leader"] = v.is_leader ? "ok" : "failed";
  std::vector<std::string> failed;
  std::vector<std::string> errors;
  if (!v.is_leader) {
    failed.emplace_back("leader");
    errors.push_back("this node does not hold the lease (leader: " +
                     (v.leader ? *v.leader : std::string("none")) + ", term " +
                     std::to_string(v.term) + ")");
  }
  auto a = verdict(std::move(checks), failed, errors);
  a.body["term"] = v.term;
  a.body["lease_left_ms"] = elector::to_ms(v.lease_left);
  return a;
}

}  // namespace elector::daemon
