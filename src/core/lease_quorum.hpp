// The lease rule, small and pure: until when a leader leads, from the instants its support ends.
//
// Each supporter that acknowledged a heartbeat (or granted the vote) is bound to the leader for a
// promise period from the moment it answered; the leader counts that support from the moment it
// *sent* the request, for the shorter lease, so its count ends first whatever the delays. The
// leader is itself one of the q supporters a lease needs. The lease ends at the q-th latest of
// those ends: until then, at least q members (the leader included) are bound to it, and any two
// sets of q intersect when q is more than half the cluster (docs/design.md §7).
//
// Thread safety: values only.
#pragma once

#include <cstddef>
#include <vector>

#include "elector/time.hpp"

namespace elector::core {

class LeaseQuorum {
 public:
  /// `q`: the supporters a lease needs, the leader included (at least 1).
  explicit LeaseQuorum(std::size_t q) : q_(q == 0 ? 1 : q) {}

  /// One supporter's support ends at `end` (the leader's own: its latest heartbeat's send + lease).
  void add(Time end) { ends_.push_back(end); }

  /// The q-th latest end; Time{} (long past) when fewer than q supporters count.
  [[nodiscard]] Time end() const;

 private:
  std::size_t q_;
  std::vector<Time> ends_;
};

/// The lease end to keep, given the one just computed, the one kept before and now. Losing a
/// supporter can put the q-th latest end in the past (an older acknowledgement, say of a member
/// cut off since). The lease then ends now, or when it stood to end if that came first (a late
/// tick after a freeze), never earlier: until now the node answered "leader" from it.
[[nodiscard]] Time settle_lease_end(Time computed, Time previous, Time now);

}  // namespace elector::core
