#include "sim/cluster_internal.hpp"

#include <algorithm>
#include <cstdio>

namespace elector::sim {

namespace {
constexpr std::int64_t kPpm = 1'000'000;
// Beyond this many nanoseconds past the epoch a local instant is taken for "never" (about three
// years: no run lasts that long, and the arithmetic below stays far from overflowing).
constexpr std::int64_t kFarNs = std::int64_t{100'000'000} * 1'000'000'000;
}  // namespace

Time Clock::local(Time global) const {
  // Split the elapsed time so that no product overflows: d * rate / 10^6 with d = q * 10^6 + r.
  const std::int64_t d = std::max<std::int64_t>(0, (global - Cluster::epoch()).count());
  if (global == kNever || d > kFarNs) return kNever;
  const std::int64_t scaled = d / kPpm * rate_ppm + d % kPpm * rate_ppm / kPpm;
  return Cluster::epoch() + offset + Duration(scaled);
}

Time Clock::global(Time local) const {
  if (local == kNever) return kNever;
  const std::int64_t l = (local - Cluster::epoch() - offset).count();
  if (l <= 0) return Cluster::epoch();
  if (l > kFarNs) return kNever;
  // The smallest d with floor(d * rate / 10^6) >= l is ceil(l * 10^6 / rate).
  const std::int64_t d = l / rate_ppm * kPpm + (l % rate_ppm * kPpm + rate_ppm - 1) / rate_ppm;
  return Cluster::epoch() + Duration(d);
}

std::string Clock::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "rate=%.4f offset=%lldms", static_cast<double>(rate_ppm) / kPpm,
                static_cast<long long>(to_ms(offset)));
  return buf;
}

const char* to_string(ClockSkew s) {
  switch (s) {
    case ClockSkew::within:
      return "within";
    case ClockSkew::beyond:
      return "beyond";
    default:
      return "none";
  }
}

void Cluster::draw_clocks() {
  if (opt_.clock_skew == ClockSkew::none) return;
  core::Rng rng(mix(opt_.seed, 0xc10c4c10c4ULL));
  const bool beyond = opt_.clock_skew == ClockSkew::beyond;
  // Beyond the bound: a random nonempty proper subset runs 1.5-2x fast (every node fast would
  // be no skew at all); within it, every rate lies in [1.0, 1.1].
  std::vector<char> fast(nodes_.size(), 0);
  if (beyond && nodes_.size() > 1) {
    const std::size_t k = 1 + rng.below(nodes_.size() - 1);
    for (std::size_t chosen = 0; chosen < k;) {
      const std::size_t i = rng.below(nodes_.size());
      if (!fast[i]) {
        fast[i] = 1;
        ++chosen;
      }
    }
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Clock& k = nodes_[i]->clock;
    k.rate_ppm = fast[i] ? rng.between(1'500'000, 2'000'000) : rng.between(1'000'000, 1'100'000);
    k.offset = ms(rng.between(0, 600'000));
  }
}

const Clock& Cluster::clock(const std::string& name) const {
  const SimNode* n = find(name);
  if (!n) throw std::invalid_argument("no node named " + name);
  return n->clock;
}

Time Cluster::local_now(const std::string& name) const {
  return clock(name).local(now_);
}

Time Cluster::local(const SimNode& n) const {
  return n.clock.local(now_);
}

void Cluster::set_clock_rate(const std::string& name, std::int64_t rate_ppm) {
  SimNode& n = at(name);
  // Continuous: the new rate applies from the reading of now on (a monotonic clock never jumps).
  const Time reads = n.clock.local(now_);
  n.clock.rate_ppm = rate_ppm;
  n.clock.offset = Duration::zero();
  n.clock.offset = reads - n.clock.local(now_);
  if (n.live()) {
    n.wake = kNever;
    schedule_wake(n);
  }
}
}  // namespace elector::sim
