// The chaos run's network: one network namespace per node, joined by a bridge that lives in a
// namespace of its own, so the host's own namespace is never touched. Node i (0-based) has
// 10.197.77.(11+i)/24 on its eth0. A cut is made of iptables DROP rules on INPUT inside each
// node's namespace (every node drops what comes from the other side, so both directions are
// lost in the network, as on a broken link, rather than refused locally); healing flushes them.
//
// Names carry the harness's tag (e.g. "ech1234"), so two runs never share a namespace:
// "<tag>s" (the bridge) and "<tag>n1".."<tag>nN".
//
// Thread safety: none; the harness's thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace chaos {

class Network {
 public:
  /// Builds the namespaces; null with `why` set, naming what is missing, when that is
  /// impossible here (not root, no `ip` or `iptables-restore`, no netns support). Commands'
  /// output goes to `log_fd`.
  static std::unique_ptr<Network> create(const std::string& tag, int nodes, int log_fd,
                                         const std::string& rules_dir, std::string& why);
  ~Network();  // deletes the namespaces (and with them the bridge and veths)
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  [[nodiscard]] std::string netns(int node) const;    // e.g. "ech1234n3"
  [[nodiscard]] std::string address(int node) const;  // e.g. "10.197.77.13"

  /// Cuts the network between `group` and the other nodes. True when every rule is in place.
  bool cut(const std::vector<int>& group);
  /// Removes every cut.
  bool heal();

 private:
  Network(std::string tag, int nodes, int log_fd, std::string rules_dir);
  bool apply(const std::vector<std::vector<int>>& dropped_from);
  void destroy();

  std::string tag_;
  int nodes_;
  int log_fd_;
  std::string rules_dir_;
  std::vector<std::string> created_;  // namespaces to delete
};

}  // namespace chaos
