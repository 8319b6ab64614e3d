// The properties the simulator checks after every step (in the manner of LogCabin's
// RaftConsensusInvariants):
//  - at most one node holds a valid lease at any instant (when quorum_size > N/2), each lease
//    judged by its holder's own clock and compared on the simulated (global) timeline;
//  - a node's term never goes back within one boot;
//  - leaderships are numbered by strictly growing terms (the fencing token; quorum_size > N/2);
//  - LeadershipLost only follows LeadershipAcquired on the same node;
//  - once faults stop, one leader is agreed within a bound (checked by the caller's run).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "elector/events.hpp"
#include "elector/time.hpp"

namespace elector::sim {

class Invariants {
 public:
  /// A lease valid at the instant checked.
  struct Lease {
    std::string node;
    std::uint64_t term = 0;
    Time end{};  // on the simulated timeline (converted from the holder's clock)
  };

  /// `quorum_size` 0 is the default, a majority of the cluster's known size: strict.
  Invariants(int cluster_size, int quorum_size)
      : strict_(quorum_size <= 0 || quorum_size * 2 > cluster_size) {}

  [[nodiscard]] bool strict() const { return strict_; }
  void on_event(Time now, const std::string& node, std::uint64_t boot, const Event& e);
  void check_term(Time now, const std::string& node, std::uint64_t boot, std::uint64_t term);
  /// `valid`: the leases valid at `now`.
  void check_leaders(Time now, const std::vector<Lease>& valid);
  void fail(Time now, const std::string& what);

  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  [[nodiscard]] std::uint64_t acquisitions() const { return acquisitions_; }

 private:
  bool strict_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> term_;  // node -> (boot, term)
  std::map<std::string, bool> leading_;  // node -> acquired and not yet lost (this boot)
  std::uint64_t max_acquired_ = 0;
  std::uint64_t acquisitions_ = 0;
  std::vector<std::string> violations_;
};

}  // namespace elector::sim
