// The control API's backend for a real elector::Node.
//
// Thread safety: as elector::Node's methods (any thread). attach() must happen before the control
// server starts serving.
#pragma once

#include "daemon/control_backend.hpp"
#include "elector/node.hpp"

namespace elector::daemon {

class NodeBackend final : public ControlBackend {
 public:
  void attach(elector::Node& node) { node_ = &node; }

  [[nodiscard]] LeaderView leader() const override {
    // One snapshot, so that is_leader and the lease left were read at the same instant; without
    // the member list, which a poll every few milliseconds should not pay for.
    const auto l = node_->leadership();
    return LeaderView{l.leader, l.term, l.is_leader, l.lease_left};
  }
  [[nodiscard]] elector::NodeStatus status() const override { return node_->status(); }
  [[nodiscard]] std::vector<elector::NodeMember> members() const override {
    return node_->members();
  }
  [[nodiscard]] elector::TransportStats stats() const override { return node_->stats(); }
  elector::ElectResult elect() override { return node_->elect(); }
  elector::ElectSyncResult elect_sync(elector::Duration timeout) override {
    return node_->elect_sync(timeout);
  }
  void clear_leader() override { node_->clear_leader(); }

 private:
  elector::Node* node_ = nullptr;
};

}  // namespace elector::daemon
