// Random faults for a simulated cluster, every knob drawn from one seed (as TigerBeetle's VOPR):
// crashes (with and without the transport's signal), freezes, graceful stops, restarts,
// partitions and message loss. After the fault phase everything is healed, so that the caller
// can check that the cluster agrees on one leader again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster.hpp"

namespace elector::sim {

struct FaultOptions {
  Duration duration = ms(20000);  // how long faults are injected
  Duration min_gap = ms(50);
  Duration max_gap = ms(1500);
  Duration max_outage = ms(4000);  // longest a fault lasts before it is repaired
};

struct FaultLog {
  std::vector<std::string> lines;
  int faults = 0;
};

/// Injects faults for `opt.duration`, then repairs every one (restart, thaw, heal, no loss).
FaultLog inject_faults(Cluster& c, std::uint64_t seed, const FaultOptions& opt);

/// Repairs everything: heals partitions, stops loss, thaws frozen nodes, restarts the others.
void heal_all(Cluster& c);

}  // namespace elector::sim
