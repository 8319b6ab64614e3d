// Election strategies: which of the candidates should lead.
//
// A strategy is a strict ordering of candidates. Every node of a cluster must use the same one
// (it is part of the election settings that nodes compare, see config.hpp). Ties are always
// broken by name, so that two nodes with the same view rank the same way.
//
// Thread safety: a Strategy is called only from the thread that drives the core; `better` must be
// a pure function of its arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "elector/export.hpp"
#include "elector/time.hpp"

namespace elector {

/// What a node knows of a candidate when it ranks it.
struct CandidateInfo {
  std::string name;
  /// 1 is the best priority (as king's box1).
  std::int64_t priority = 0;
  /// When the candidate started, on the *ranking node's* monotonic clock: the candidate reports
  /// its age and the ranking node subtracts it from the instant it heard it. Wall clocks of
  /// different machines never enter the comparison.
  Time started{};
  /// CPU time the candidate's process has used, in milliseconds, as last reported by it.
  std::int64_t runtime_ms = 0;
};

/// The interface of a strategy. Implement it to elect by your own criterion.
class ELECTOR_API Strategy {
 public:
  virtual ~Strategy() = default;
  /// The name nodes compare to detect a cluster that mixes strategies.
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// True when `a` should lead rather than `b`. Must be a strict weak ordering; equal candidates
  /// (neither better) are ordered by name by `ranks_before`.
  [[nodiscard]] virtual bool better(const CandidateInfo& a, const CandidateInfo& b) const = 0;
};

/// The built-in strategies: "uptime_high" (default), "uptime_low", "runtime_high", "runtime_low",
/// "priority". Returns nullptr for an unknown name.
ELECTOR_API std::shared_ptr<const Strategy> make_strategy(std::string_view name);

/// True when `a` ranks before `b` under `s`, ties broken by name (smaller name first).
ELECTOR_API bool ranks_before(const Strategy& s, const CandidateInfo& a, const CandidateInfo& b);

}  // namespace elector
