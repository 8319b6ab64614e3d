// Node::Impl's reports: the leader, the members, the status and the configuration, each read
// under the lock.
#include <algorithm>
#include <mutex>

#include "node/node_impl.hpp"

namespace elector {

std::optional<std::string> Node::Impl::leader() const {
  std::lock_guard lk(mu_);
  if (!core_) return std::nullopt;
  return core_->leader();
}

bool Node::Impl::is_leader() const {
  std::lock_guard lk(mu_);
  return state_ == State::running && core_->is_leader(Now::read().core);
}

std::uint64_t Node::Impl::term() const {
  std::lock_guard lk(mu_);
  return core_ ? core_->term() : 0;
}

NodeLeadership Node::Impl::leadership() const {
  std::lock_guard lk(mu_);
  NodeLeadership l;
  if (!core_) return l;
  const Time now = Now::read().core;
  l.leader = core_->leader();
  l.term = core_->term();
  l.is_leader = state_ == State::running && core_->is_leader(now);
  l.lease_left = l.is_leader ? core_->lease_end() - now : Duration::zero();
  return l;
}

std::vector<NodeMember> Node::Impl::members() const {
  std::lock_guard lk(mu_);
  return members_locked();
}

NodeStatus Node::Impl::status() const {
  std::lock_guard lk(mu_);
  NodeStatus s;
  s.name = cfg_.name;
  s.listen = cfg_.listen;
  s.quorum_size = cfg_.quorum_size;
  s.strategy = cfg_.custom_strategy ? cfg_.custom_strategy->name() : cfg_.strategy;
  s.priority = cfg_.priority;
  s.candidate = cfg_.candidate_node;
  s.state_file = cfg_.state_file;
  s.state_save_failures = save_failures_;
  if (!core_) return s;
  const Time now = Now::read().core;
  s.leader = core_->leader();
  s.term = core_->term();
  s.is_leader = state_ == State::running && core_->is_leader(now);
  s.role = core_->role();
  s.lease_left = s.is_leader ? core_->lease_end() - now : Duration::zero();
  s.quorum_met = core_->quorum_met();
  s.quorum = core_->election().quorum();
  s.cluster_size = core_->election().cluster_size();
  s.availability_mode = core_->election().availability_mode();
  s.settings_hash = core_->settings_hash();
  for (const auto& m : members_locked()) {
    ++s.members_by_status[m.status];
    if (!m.settings_match) s.settings_mismatch.push_back(m.name);
  }
  for (const MemberState st : kMemberStates) s.members_by_status.try_emplace(st, 0);
  s.elections = elections_finished_;
  const core::CampaignCounts& counts = core_->election().campaign_counts();
  for (const auto& [round, ends] : counts.ended) {
    for (const auto& [outcome, n] : ends) s.campaigns[to_string(round)][to_string(outcome)] = n;
  }
  for (const auto& [why, n] : counts.refusals) s.vote_refusals[to_string(why)] = n;
  s.uptime = now - started_at_;
  s.state_saved = core_->durable_ok();
  return s;
}

TransportStats Node::Impl::stats() const {
  std::lock_guard lk(mu_);
  return transport_ ? transport_->stats() : TransportStats{};
}

NodeConfig Node::Impl::config() const {
  std::lock_guard lk(mu_);
  return cfg_;
}

std::vector<NodeMember> Node::Impl::members_locked() const {
  std::vector<NodeMember> v;
  if (!core_) return v;
  for (const auto& m : core_->members()) {
    v.push_back(NodeMember{m.name, m.addr, m.control, m.status, m.priority, m.candidate,
                           m.settings_match, false});
  }
  v.push_back(NodeMember{cfg_.name, core_->addr(), cfg_.control, MemberState::alive, cfg_.priority,
                         cfg_.candidate_node, true, true});
  std::sort(v.begin(), v.end(),
            [](const NodeMember& a, const NodeMember& b) { return a.name < b.name; });
  return v;
}

}  // namespace elector
