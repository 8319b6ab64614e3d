#include "net/connection_table.hpp"

namespace elector::net {

void ConnectionTable::add_outgoing(const Ptr& c) {
  outgoing_[c->key()] = c;
  conns_.insert(c);
  open_.fetch_add(1);
}

void ConnectionTable::add_accepted(const Ptr& c) {
  c->awaiting_auth = ++accepts_;
  awaiting_.emplace(c->awaiting_auth, c);
  conns_.insert(c);
  open_.fetch_add(1);
}

void ConnectionTable::remove(const Ptr& c) {
  conns_.erase(c);
  open_.fetch_sub(1);
  if (c->outgoing()) {
    auto it = outgoing_.find(c->key());
    if (it != outgoing_.end() && it->second == c) outgoing_.erase(it);
  } else if (c->peer) {
    auto it = incoming_.find(c->peer->name);
    if (it != incoming_.end() && it->second == c) incoming_.erase(it);
  }
}

bool ConnectionTable::forget_awaiting(Connection& c) {
  if (c.awaiting_auth == 0) return false;
  const bool oldest = awaiting_.begin()->first == c.awaiting_auth;
  awaiting_.erase(c.awaiting_auth);
  c.awaiting_auth = 0;
  return oldest;
}

ConnectionTable::Ptr ConnectionTable::oldest_awaiting() const {
  return awaiting_.empty() ? nullptr : awaiting_.begin()->second;
}

ConnectionTable::Ptr ConnectionTable::usable_to(const std::string& addr,
                                                const std::string& name) const {
  auto it = outgoing_.find(addr);
  if (it != outgoing_.end() && usable(*it->second)) return it->second;
  if (auto in = incoming_.find(name); in != incoming_.end() && usable(*in->second)) {
    return in->second;
  }
  return nullptr;
}

std::vector<ConnectionTable::Ptr> ConnectionTable::take_idle(Time now, Duration limit) {
  std::vector<Ptr> idle;
  for (const auto& [key, c] : outgoing_) {
    if (now - c->last_used > limit) idle.push_back(c);
  }
  for (const auto& c : idle) outgoing_.erase(c->key());
  return idle;
}

}  // namespace elector::net
