// The votes of one campaign round, small and pure: who granted (and which process did), who
// refused, how many were asked, and whether the round is won or can no longer be.
//
// A round is won when the votes granted, plus the candidate's own, reach `needed`. It can no
// longer be won when even every vote still open (asked and not answered) would not reach it.
// A vote belongs to the process that gave it: when that process is known to be gone, its vote
// is forgotten.
//
// Thread safety: values only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace elector::core {

class VoteTally {
 public:
  /// `needed`: the votes a win needs, the candidate's own included.
  explicit VoteTally(std::size_t needed = 1) : needed_(needed) {}

  /// One more voter was asked.
  void asked() { ++asked_; }
  /// `voter` (process `boot`) granted.
  void grant(const std::string& voter, std::uint64_t boot) { granted_[voter] = boot; }
  /// `voter` refused, or can no longer answer (it went down).
  void refuse(const std::string& voter) { refused_.insert(voter); }
  /// The vote of `voter`'s process `boot` (0: any) no longer counts: that process is gone.
  void forget(const std::string& voter, std::uint64_t boot);
  /// A win needs at least `q` votes from now on (the cluster grew during the round).
  void need_at_least(std::size_t q) { needed_ = std::max(needed_, q); }

  [[nodiscard]] std::size_t needed() const { return needed_; }
  [[nodiscard]] bool won() const { return granted_.size() + 1 >= needed_; }
  /// The most votes the round can still reach: granted, own, and those asked and not answered.
  [[nodiscard]] std::size_t reachable() const;
  [[nodiscard]] bool granted_by(const std::string& voter) const {
    return granted_.count(voter) > 0;
  }
  /// The voters that granted, with the process (boot) that did.
  [[nodiscard]] const std::map<std::string, std::uint64_t>& granted() const { return granted_; }

 private:
  std::size_t needed_;
  std::size_t asked_ = 0;
  std::map<std::string, std::uint64_t> granted_;
  std::set<std::string> refused_;
};

}  // namespace elector::core
