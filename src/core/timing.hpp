// Every duration the safety argument (docs/design.md §7) rests on, in one place, as multiples of
// T, the heartbeat interval. The argument needs only these relations:
//
//   lease < promise             a leader counts a supporter for less time than the supporter is
//                               bound, by a margin that absorbs clock-rate differences;
//   vote_binding(c) > c         a voter stays bound past the end of the campaign it backed, so the
//                               candidate stops counting votes before any voter is free;
//   quiet_after_loss >= every binding a vote or an acknowledgement can carry, so that a process
//                               that lost its memory of its promises still keeps them.
//
// Thread safety: values only.
#pragma once

#include <algorithm>

#include "elector/time.hpp"

namespace elector::core {

struct Timing {
  /// How long a promise (a vote of a short campaign, or a watcher's acknowledgement of a
  /// heartbeat) binds its giver, from the instant it received the request.
  static constexpr int kPromise = 4;
  /// How long a leader counts a supporter, from the instant it sent the request: 3.5T. The 0.5T
  /// left of the promise covers clock rates that differ by up to 12.5 % (0.5 / 4): the supporter's
  /// 4T measured by a clock 12.5 % faster is 3.5T of the leader's.
  static constexpr int kLeaseTwice = 7;
  /// A campaign's deadline after it sends its requests: 3T at first, doubled after each timeout up
  /// to 24T, back to 3T once a leader is known (docs/design.md §4, "campaign length").
  static constexpr int kCampaign = 3;
  static constexpr int kMaxCampaign = 24;
  /// A node saves its promises' end ahead of need, by this much, so that a watcher renewing its
  /// 4T promise every T writes once per this many intervals instead of every heartbeat. A restart
  /// with its state kept is quiet for at most kPromise + kDurableSlack intervals.
  static constexpr int kDurableSlack = 4;
  /// How long followers wait for a designated successor to take over after a handover.
  static constexpr int kSuccessorWait = 4;

  explicit constexpr Timing(Duration heartbeat_interval)
      : T(heartbeat_interval),
        promise(kPromise * heartbeat_interval),
        lease(kLeaseTwice * heartbeat_interval / 2),
        campaign(kCampaign * heartbeat_interval),
        max_campaign(kMaxCampaign * heartbeat_interval),
        durable_slack(kDurableSlack * heartbeat_interval),
        successor_wait(kSuccessorWait * heartbeat_interval) {}

  Duration T;
  Duration promise;
  Duration lease;
  Duration campaign;
  Duration max_campaign;
  Duration durable_slack;
  Duration successor_wait;

  /// How long a real vote binds its voter, from receipt, for a campaign that waits `c` for its
  /// answers: a heartbeat interval past the candidate's deadline, never less than a promise.
  [[nodiscard]] constexpr Duration vote_binding(Duration c) const {
    return std::max(promise, c + T);
  }
  /// The longest any vote or acknowledgement binds (25T): how long a process that lost its
  /// memory of its promises stays quiet after it starts.
  [[nodiscard]] constexpr Duration quiet_after_loss() const { return vote_binding(max_campaign); }
  /// What a vote counts for in the leader's lease, measured from the request's sending: 7/8 of
  /// the binding, as the lease is of the promise, so that a long campaign's vote keeps the same
  /// 12.5 % margin for clock rates (a fixed 0.5T would cover 2 % at a 24T campaign).
  [[nodiscard]] constexpr Duration vote_lease(Duration c) const {
    return vote_binding(c) * kLeaseTwice / (2 * kPromise);
  }
};

static_assert(Timing(ms(100)).lease < Timing(ms(100)).promise);
static_assert(Timing(ms(100)).quiet_after_loss() == ms(2500));
static_assert(Timing(ms(100)).vote_lease(ms(300)) == Timing(ms(100)).lease);

}  // namespace elector::core
