// Election: what must be saved before a step's messages leave, and a node whose save failed.
#include <algorithm>

#include "core/election.hpp"

namespace elector::core {

std::optional<DurableState> Election::take_save(Time now) {
  DurableState want = saved_;
  want.term = std::max(saved_.term, max_term());
  // A restart must not shrink the base of the default quorum.
  want.cluster_size = static_cast<std::uint32_t>(cluster_size());
  // Every binding this node is under, its quiet period included, must be on disk before the
  // message that gives it leaves: a restarted process honours what it finds there (§7).
  Time bound = quiet_until_ > now ? quiet_until_ : Time{};
  if (support_) bound = std::max(bound, support_->bound_until);
  if (bound > saved_.bound_until) {
    // Saved ahead of need, so that a watcher renewing its promise every T does not write every
    // time; a restart with this state is quiet for at most that much longer.
    want.bound_until = bound == quiet_until_ ? bound : bound + tm_.durable_slack;
  }
  // After a failed save, nothing that needs saving is produced (refusal(), campaign() and the
  // heartbeat handler check unsaved_): the node only tries again, every T.
  if (unsaved_) {
    if (now < next_save_try_) return std::nullopt;
  } else if (want == saved_) {
    return std::nullopt;
  }
  pending_save_ = want;
  return want;
}

void Election::saved(Time now, bool ok, const Membership& mem, Outbox& out) {
  if (ok) {
    if (pending_save_) saved_ = *pending_save_;
    pending_save_.reset();
    unsaved_ = false;
    next_save_try_ = kNever;
    return;
  }
  pending_save_.reset();
  next_save_try_ = now + T_;
  if (unsaved_) return;
  unsaved_ = true;
  // The step's messages were dropped; nothing that relies on the unsaved state may follow
  // (refusal(), follow() and campaign() check unsaved_). A leader steps down: it cannot promise
  // what a restart would keep.
  if (role() == Role::leader) {
    resign(now, now, LossReason::unsaved, "", false, mem, out);
  } else {
    abandon_campaign(now, mem, out);
  }
}

void Election::drop_support_of(Time now, const std::string& name, std::uint64_t boot,
                               const Membership& mem) {
  // Support belongs to a process: once it is known to be gone, restarted or left, what it
  // promised counts no more (its successor process keeps that promise by its quiet period or
  // its saved state, not by counting twice).
  if (leading_ && leading_->forget(name, boot)) recompute_lease(now, mem);
  if (campaign_) {
    campaign_->votes.forget(name, boot);
  }
}

}  // namespace elector::core
