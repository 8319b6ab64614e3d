// The fault phase's injector: draws faults from a profile and the seed, at random instants and
// aimed at fresh leaderships and campaigns, and repairs each after its outage. Used by
// inject_faults() (faults.hpp), which heals what is left afterwards. One thread, the cluster's.
#pragma once

#include <cstdint>

#include "sim/cluster.hpp"
#include "sim/faults.hpp"

namespace elector::sim {

/// Injects faults drawn from `prof` and `seed` into `c` until `end` (simulated), running the
/// cluster until then; returns the profile, the clocks and one line a fault. Faults still in
/// force at `end` stay: the caller heals them.
FaultLog run_injector(Cluster& c, std::uint64_t seed, FaultProfile prof, Time end);

}  // namespace elector::sim
