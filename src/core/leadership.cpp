#include "core/leadership.hpp"

#include <algorithm>
#include <utility>

#include "core/election_internal.hpp"
#include "core/lease_quorum.hpp"

namespace elector::core {

namespace {
/// Heartbeat sequence numbers whose send time is kept: an acknowledgement of an older one is
/// too late to extend anything the newer ones do not.
constexpr std::size_t kSentKept = 16;
}  // namespace

Leadership Leadership::won(Time now, Time counted_from, const VoteTally& votes) {
  Leadership l;
  l.led_since_ = now;
  for (const auto& [name, boot] : votes.granted()) l.acked_[name] = Ack{counted_from, boot};
  l.last_sent_ = counted_from;  // itself too: a campaign longer than the lease can still win
  return l;
}

void Leadership::heartbeat_sent(Time now, std::uint64_t seq, Duration interval) {
  sent_[seq] = now;
  while (sent_.size() > kSentKept) sent_.erase(sent_.begin());
  last_sent_ = now;
  next_heartbeat_ = now + interval;
}

void Leadership::acknowledged(const std::string& name, std::uint64_t boot, std::uint64_t seq) {
  const auto it = sent_.find(seq);
  if (it == sent_.end()) return;
  Ack& a = acked_[name];
  if (a.boot != boot) a = Ack{it->second, boot};
  a.sent = std::max(a.sent, it->second);
}

bool Leadership::forget(const std::string& name, std::uint64_t boot) {
  const auto it = acked_.find(name);
  if (it == acked_.end() || (boot != 0 && it->second.boot != boot)) return false;
  acked_.erase(it);
  return true;
}

void Leadership::settle_lease(Time now, std::size_t q, Duration lease, const ProcessUp& up) {
  LeaseQuorum quorum(q);
  quorum.add(last_sent_ + lease);
  for (const auto& [name, ack] : acked_) {
    // Only the process that answered supports: not one that restarted since (a new boot).
    if (up(name, ack.boot)) quorum.add(ack.sent + lease);
  }
  lease_end_ = settle_lease_end(quorum.end(), lease_end_, now);
}

int Leadership::supporter_rank(const std::string& name, Time now, Duration lease) const {
  const auto a = acked_.find(name);
  if (a != acked_.end() && a->second.sent + lease > now) return 0;
  const auto since = watch_since_.find(name);
  if (since == watch_since_.end()) return 2;
  return now - since->second <= lease ? 1 : 3;
}

void Leadership::set_watchers(std::vector<std::string> chosen, std::size_t first_supporter,
                              std::size_t members_up, Time now) {
  for (auto it = watch_since_.begin(); it != watch_since_.end();) {
    it = election_internal::named(chosen, it->first) ? std::next(it) : watch_since_.erase(it);
  }
  for (std::size_t i = first_supporter; i < chosen.size(); ++i) {
    watch_since_.try_emplace(chosen[i], now);
  }
  if (chosen.size() >= members_up) chosen.clear();
  std::sort(chosen.begin(), chosen.end());
  watchers_ = std::move(chosen);
}

Time Leadership::lost_at(Time effective, Time now) const {
  return std::max(led_since_, std::min({effective, now, lease_end_}));
}

}  // namespace elector::core
