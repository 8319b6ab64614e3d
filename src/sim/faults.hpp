// Random faults for a simulated cluster, every knob drawn from one seed (as TigerBeetle's VOPR).
//
// A run first draws a *profile* (swarm testing: each seed weights the fault kinds differently
// and switches some off, so that a rare combination is common in some seeds instead of diluted
// in all of them): crashes with and without the transport's signal, restarts, freezes of one or
// several nodes, graceful stops, two-way and one-way partitions, bursts of loss and of latency.
// Besides faults at random instants, a profile may aim faults at the moments that matter: right
// after a node wins a leadership (restart a voter, cut the new leader off) and right after a
// campaign starts (a loss or latency burst that makes it time out, so that the next one is
// longer). The fixed mix used before profiles is the profile `classic`. After the fault phase
// everything is healed, so that the caller can check that the cluster agrees on one leader again.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/cluster.hpp"
#include "sim/fault_profile.hpp"

namespace elector::sim {

struct FaultOptions {
  Duration duration = ms(20000);  // how long faults are injected
  ProfileMode mode = ProfileMode::classic;
  /// Used as given when set (mode is then ignored).
  std::optional<FaultProfile> profile;
};

struct FaultLog {
  std::vector<std::string> lines;  // the profile and the clocks first, then one line a fault
  int faults = 0;
};

/// Injects faults for `opt.duration`, then repairs every one (restart, thaw, heal, no loss).
FaultLog inject_faults(Cluster& c, std::uint64_t seed, const FaultOptions& opt);

/// Repairs everything: heals partitions, stops loss and latency bursts, thaws frozen nodes,
/// starts the others.
void heal_all(Cluster& c);

}  // namespace elector::sim
