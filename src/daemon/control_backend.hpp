// What the control API needs from a node, as an interface: the daemon implements it with an
// elector::Node (node_backend.hpp), tests with a fake, so that the HTTP layer is tested without a
// network node.
//
// Thread safety: implementations must allow every method to be called from several threads at
// once (the server runs requests concurrently).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elector/node.hpp"

namespace elector::daemon {

struct LeaderView {
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  bool is_leader = false;
  /// Time left on this node's own lease, read at the same instant as is_leader (zero when it
  /// does not lead).
  elector::Duration lease_left{};
};

class ControlBackend {
 public:
  virtual ~ControlBackend() = default;

  [[nodiscard]] virtual LeaderView leader() const = 0;
  [[nodiscard]] virtual elector::NodeStatus status() const = 0;
  [[nodiscard]] virtual std::vector<elector::NodeMember> members() const = 0;
  [[nodiscard]] virtual elector::TransportStats stats() const = 0;
  virtual elector::ElectResult elect() = 0;
  virtual elector::ElectSyncResult elect_sync(elector::Duration timeout) = 0;
  virtual void clear_leader() = 0;
};

}  // namespace elector::daemon
