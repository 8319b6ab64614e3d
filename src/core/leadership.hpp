// One term of leading, as the leader keeps it: the heartbeats it sent, who acknowledged them, the
// lease that follows from those acknowledgements, and the watchers it heartbeats every T.
//
// It exists from the moment a campaign is won until the node steps down, and holds nothing
// else: while it exists, the node is the leader (Election::role()). Its lease is the rule of
// lease_quorum.hpp over the acknowledgements counted here; a supporter counts only as the process
// (boot) that answered.
//
// Call order: `won` when the campaign ends in a win; then, any number of times and in any order,
// `heartbeat_sent` (before the heartbeats of that sequence number leave), `acknowledged`,
// `forget` and `settle_lease`; `lost_at` when it ends. The caller settles the lease again after
// each change that may move it (an acknowledgement is counted at the next settle, a forgotten
// supporter at once by the caller).
//
// Thread safety: a value, owned by one Election.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/vote_tally.hpp"
#include "elector/time.hpp"

namespace elector::core {

class Leadership {
 public:
  /// Leadership won at `now` by a campaign whose requests are counted as sent at `counted_from`
  /// (its send time, shifted for a long campaign: Timing::vote_lease): each voter that granted
  /// it supports the new leader as if it had acknowledged a heartbeat then, and so does the
  /// leader itself.
  static Leadership won(Time now, Time counted_from, const VoteTally& votes);

  /// Heartbeats with sequence number `seq` leave at `now`; the next are due `interval` later.
  /// The leader's own support is counted from here.
  void heartbeat_sent(Time now, std::uint64_t seq, Duration interval);
  /// `name`'s process `boot` acknowledged heartbeat `seq`. Unknown or forgotten sequence
  /// numbers (more than 16 back) count nothing; a new boot of `name` replaces the old one's.
  void acknowledged(const std::string& name, std::uint64_t boot, std::uint64_t seq);
  /// `name`'s process `boot` (0: any) is gone, restarted or left: what it acknowledged counts no
  /// more. True when something was forgotten.
  bool forget(const std::string& name, std::uint64_t boot);

  /// Whether process `boot` of member `name` is still up, as the membership sees it.
  using ProcessUp = std::function<bool(const std::string& name, std::uint64_t boot)>;
  /// Recomputes the lease at `now`: the q-th latest support end (each counted from its send,
  /// plus `lease`), among the leader and the acknowledging processes still `up`, never earlier
  /// than settle_lease_end allows.
  void settle_lease(Time now, std::size_t q, Duration lease, const ProcessUp& up);

  /// How `name` ranks as a supporter to heartbeat every T, at `now`, best first: 0 its
  /// acknowledgement still counts; 1 chosen less than a lease ago (one is on its way); 2 never
  /// chosen; 3 chosen a lease ago and silent since (frozen or cut off: to be replaced).
  [[nodiscard]] int supporter_rank(const std::string& name, Time now, Duration lease) const;
  /// The members to heartbeat every T from now on, `chosen` in the order chosen, of which those
  /// from index `first_supporter` on are supporters: they are remembered with the time they
  /// were first chosen, the others forgotten. The watchers become `chosen` sorted, or none when
  /// it holds every one of the `members_up` (then every member is heartbeated every T anyway).
  void set_watchers(std::vector<std::string> chosen, std::size_t first_supporter,
                    std::size_t members_up, Time now);
  /// No watchers: every member is heartbeated every T.
  void clear_watchers() { watchers_.clear(); }
  /// Takes the watchers out, leaving none (the leader compares them with the next ones).
  std::vector<std::string> take_watchers() {
    std::vector<std::string> w = std::move(watchers_);
    watchers_.clear();
    return w;
  }

  /// When leadership ended if it ends at `now` for a cause that took effect at `effective`: not
  /// after the lease ran out, and never before it began.
  [[nodiscard]] Time lost_at(Time effective, Time now) const;

  [[nodiscard]] Time lease_end() const { return lease_end_; }
  [[nodiscard]] Time next_heartbeat() const { return next_heartbeat_; }
  [[nodiscard]] const std::vector<std::string>& watchers() const { return watchers_; }

 private:
  /// A supporter's latest counted request (its send time) and the process that answered.
  struct Ack {
    Time sent{};
    std::uint64_t boot = 0;
  };

  Time led_since_{};
  Time lease_end_{};
  Time last_sent_{};
  Time next_heartbeat_ = kNever;
  /// The send time of the latest heartbeats by sequence number (the last 16).
  std::map<std::uint64_t, Time> sent_;
  std::map<std::string, Ack> acked_;
  std::vector<std::string> watchers_;
  /// When each supporter-watcher was first chosen.
  std::map<std::string, Time> watch_since_;
};

}  // namespace elector::core
