#include "sim/cluster_internal.hpp"

#include <algorithm>
#include <stdexcept>

namespace elector::sim {

bool Cluster::running(const std::string& name) const {
  const SimNode* n = find(name);
  return n && n->live();
}
bool Cluster::frozen(const std::string& name) const {
  const SimNode* n = find(name);
  return n && n->frozen;
}

std::vector<std::string> Cluster::leaders_now() const {
  std::vector<std::string> out;
  for (const auto& l : leases_now()) out.push_back(l.node);
  return out;
}

std::vector<Invariants::Lease> Cluster::leases_now() const {
  std::vector<Invariants::Lease> out;
  for (int i : leader_role_) {
    const SimNode& n = *nodes_[static_cast<std::size_t>(i)];
    if (n.live() && n.core->is_leader(local(n))) {
      out.push_back({n.name, n.core->term(), n.clock.global(n.core->lease_end())});
    }
  }
  return out;
}

std::optional<std::string> Cluster::agreed_leader() const {
  std::optional<std::string> leader;
  bool any = false;
  for (const auto& n : nodes_) {
    if (!n->live() || n->frozen) continue;
    const auto& l = n->core->leader();
    if (!l) return std::nullopt;
    if (any && *l != *leader) return std::nullopt;
    leader = l;
    any = true;
  }
  if (!leader) return std::nullopt;
  const SimNode* ln = find(*leader);
  if (!ln || !ln->live() || ln->frozen || !ln->core->is_leader(local(*ln))) return std::nullopt;
  return leader;
}
std::optional<std::string> Cluster::agreed_leader(const std::vector<std::string>& among) const {
  std::optional<std::string> leader;
  for (const auto& name : among) {
    const SimNode* n = find(name);
    if (!n || !n->live() || n->frozen) return std::nullopt;
    const auto& l = n->core->leader();
    if (!l || (leader && *l != *leader)) return std::nullopt;
    leader = l;
  }
  if (!leader || std::find(among.begin(), among.end(), *leader) == among.end()) return std::nullopt;
  const SimNode* ln = find(*leader);
  if (!ln->core->is_leader(local(*ln))) return std::nullopt;
  return leader;
}

std::vector<Event> Cluster::events(const std::string& name) const {
  std::vector<Event> out;
  for (const auto& t : trace_) {
    if (t.node == name) out.push_back(t.event);
  }
  return out;
}

const std::string& Cluster::address(const std::string& name) const {
  const SimNode* n = find(name);
  if (!n) throw std::invalid_argument("no node named " + name);
  return n->addr;
}

}  // namespace elector::sim
