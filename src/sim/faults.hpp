// Random faults for a simulated cluster, every knob drawn from one seed (as TigerBeetle's VOPR).
//
// A run first draws a *profile* (swarm testing: each seed weights the fault kinds differently
// and switches some off, so that a rare combination is common in some seeds instead of diluted
// in all of them): crashes with and without the transport's signal, restarts, freezes of one or
// several nodes, graceful stops, two-way and one-way partitions, bursts of loss and of latency.
// Besides faults at random instants, a profile may aim faults at the moments that matter: right
// after a node wins a leadership (restart a voter, cut the new leader off) and right after a
// campaign starts (a loss or latency burst that makes it time out, so that the next one is
// longer). The fixed mix used before profiles is the profile `classic`.
//
// The phases of a fault run (sim::run): the fault phase (fault_phase), then a liveness phase
// that heals only a majority of the nodes and keeps the others away (as TigerBeetle's VOPR does:
// the healed majority must elect on its own), then everything healed (heal_all), after which the
// whole cluster must agree on one leader again. inject_faults is the fault phase and heal_all.
// One thread, the cluster's.
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

/// Injects faults for `opt.duration` and leaves those in force at its end as they are.
FaultLog fault_phase(Cluster& c, std::uint64_t seed, const FaultOptions& opt);

/// The liveness phase's split: the nodes healed, and how each of the others is kept away.
struct QuorumHeal {
  std::vector<std::string> healed;       // in index order
  std::vector<std::string> crashed;      // kept down (crashed now if running)
  std::vector<std::string> partitioned;  // running, thawed, on a side of their own together
  bool signal = false;                   // whether crashing one is seen by the transport
  /// "box1,box3,box4 healed; crashed box2 (silent); partitioned box5".
  [[nodiscard]] std::string describe() const;
};

/// How many nodes the liveness phase heals: a majority of `nodes`, or `quorum_size` if that is
/// more (0 is the default, a majority), at most `nodes`.
int quorum_heal_size(int nodes, int quorum_size);

/// Draws from `seed` which `size` nodes of `c` are healed, and for each other node whether it
/// stays crashed or is partitioned away (a stream of its own: the rest of the run draws the same).
QuorumHeal draw_quorum_heal(const Cluster& c, std::uint64_t seed, int size);

/// Heals `h.healed` (the network between them, loss, latency; thaws and starts them) and keeps
/// the others away: crashes `h.crashed`, runs `h.partitioned` cut off from the healed ones.
void heal_quorum(Cluster& c, const QuorumHeal& h);

/// "t=1234ms `what`": a line of the fault log, stamped with the cluster's simulated time.
std::string log_line(const Cluster& c, const std::string& what);

/// Repairs everything: heals partitions, stops loss and latency bursts, thaws frozen nodes,
/// starts the others.
void heal_all(Cluster& c);

}  // namespace elector::sim
