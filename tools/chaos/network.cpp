#include "network.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "command.hpp"

namespace chaos {

namespace {

constexpr const char* kSubnet = "10.197.77.";

/// True when `name` is an executable file in one of PATH's directories (as execvp finds it).
bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t from = 0;
  while (from <= dirs.size()) {
    const auto to = std::min(dirs.find(':', from), dirs.size());
    const std::string dir = to == from ? "." : dirs.substr(from, to - from);
    if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    from = to + 1;
  }
  return false;
}

}  // namespace

Network::Network(std::string tag, int nodes, int log_fd, std::string rules_dir)
    : tag_(std::move(tag)), nodes_(nodes), log_fd_(log_fd), rules_dir_(std::move(rules_dir)) {}

std::unique_ptr<Network> Network::create(const std::string& tag, int nodes, int log_fd,
                                         const std::string& rules_dir, std::string& why) {
  if (geteuid() != 0) {
    why = "not running as root (creating network namespaces needs root)";
    return nullptr;
  }
  for (const char* tool : {"ip", "iptables-restore"}) {
    if (!on_path(tool)) {
      why = std::string("no `") + tool + "` on PATH (packages iproute2 and iptables)";
      return nullptr;
    }
  }
  std::unique_ptr<Network> net(new Network(tag, nodes, log_fd, rules_dir));
  const std::string sw = tag + "s";
  auto step = [&](const Argv& a) { return run(a, log_fd); };
  if (!step({"ip", "netns", "add", sw})) {
    why = "cannot create a network namespace: `ip netns add " + sw + "` failed";
    return nullptr;
  }
  net->created_.push_back(sw);
  bool ok = step({"ip", "-n", sw, "link", "set", "lo", "up"}) &&
            step({"ip", "-n", sw, "link", "add", "br0", "type", "bridge"}) &&
            step({"ip", "-n", sw, "link", "set", "br0", "up"});
  for (int i = 0; ok && i < nodes; ++i) {
    const auto ns = net->netns(i);
    const auto port = "v" + std::to_string(i + 1);
    ok = step({"ip", "netns", "add", ns});
    if (ok) net->created_.push_back(ns);
    ok = ok && step({"ip", "-n", ns, "link", "set", "lo", "up"}) &&
         step({"ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns",
               sw}) &&
         step({"ip", "-n", ns, "addr", "add", net->address(i) + "/24", "dev", "eth0"}) &&
         step({"ip", "-n", ns, "link", "set", "eth0", "up"}) &&
         step({"ip", "-n", sw, "link", "set", port, "master", "br0"}) &&
         step({"ip", "-n", sw, "link", "set", port, "up"});
  }
  // A namespace whose iptables cannot be loaded cannot be cut.
  ok = ok && net->heal();
  if (!ok) {
    why = "cannot set up the namespaces' veths, bridge or iptables rules";
    return nullptr;  // the destructor deletes what was made
  }
  return net;
}

Network::~Network() {
  destroy();
}

void Network::destroy() {
  std::vector<Argv> cmds;
  for (const auto& ns : created_) cmds.push_back({"ip", "netns", "del", ns});
  run_all(cmds, log_fd_);
  created_.clear();
}

std::string Network::netns(int node) const {
  return tag_ + "n" + std::to_string(node + 1);
}

std::string Network::address(int node) const {
  return kSubnet + std::to_string(11 + node);
}

bool Network::cut(const std::vector<int>& group) {
  std::vector<std::vector<int>> dropped(static_cast<std::size_t>(nodes_));
  auto in_group = [&](int i) { return std::find(group.begin(), group.end(), i) != group.end(); };
  for (int i = 0; i < nodes_; ++i) {
    for (int j = 0; j < nodes_; ++j) {
      if (in_group(i) != in_group(j)) dropped[static_cast<std::size_t>(i)].push_back(j);
    }
  }
  return apply(dropped);
}

bool Network::heal() {
  return apply(std::vector<std::vector<int>>(static_cast<std::size_t>(nodes_)));
}

// iptables-restore replaces the whole filter table in one go: the same call makes and heals cuts.
bool Network::apply(const std::vector<std::vector<int>>& dropped_from) {
  std::vector<Argv> cmds;
  for (int i = 0; i < nodes_; ++i) {
    const auto path = rules_dir_ + "/" + netns(i) + ".rules";
    std::ofstream f(path, std::ios::trunc);
    f << "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    for (int j : dropped_from[static_cast<std::size_t>(i)]) {
      f << "-A INPUT -s " << address(j) << "/32 -j DROP\n";
    }
    f << "COMMIT\n";
    f.close();
    cmds.push_back({"ip", "netns", "exec", netns(i), "iptables-restore", path});
  }
  return run_all(cmds, log_fd_);
}

}  // namespace chaos
