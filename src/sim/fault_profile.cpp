#include "sim/fault_profile.hpp"

#include <algorithm>
#include <cstdio>

#include "core/rng.hpp"

namespace elector::sim {

const char* to_string(FaultKind k) {
  static constexpr std::array<const char*, kFaultKinds> names = {
      "crash", "crash-silent",  "freeze",      "stop",    "partition",
      "loss",  "crash-restart", "freeze-many", "one-way", "latency"};
  return names[static_cast<std::size_t>(k)];
}

const char* to_string(ProfileMode m) {
  return m == ProfileMode::swarm ? "swarm" : "classic";
}

std::string FaultProfile::describe() const {
  std::string s = "profile " + name + ":";
  for (std::size_t k = 0; k < kFaultKinds; ++k) {
    s += " " + std::string(to_string(static_cast<FaultKind>(k))) + "=" + std::to_string(weight[k]);
  }
  char buf[300];
  std::snprintf(buf, sizeof buf,
                " gap=%lld-%lldms outage<=%lldms after-election=%.2fx%d after-campaign=%.2f "
                "within=%lldms split=%s cuts=%s loss<=%d%% latency<=%lldms down<=%lldms",
                static_cast<long long>(to_ms(min_gap)), static_cast<long long>(to_ms(max_gap)),
                static_cast<long long>(to_ms(max_outage)), after_election, aimed_burst,
                after_campaign, static_cast<long long>(to_ms(react_within)),
                split_by_size ? "size" : "coin", separate_cuts ? "separate" : "shared",
                max_loss_pct, static_cast<long long>(to_ms(max_latency)),
                static_cast<long long>(to_ms(max_down)));
  return s + buf;
}

FaultProfile classic_profile() {
  FaultProfile p;
  for (FaultKind k : {FaultKind::crash, FaultKind::crash_silent, FaultKind::freeze, FaultKind::stop,
                      FaultKind::partition, FaultKind::loss}) {
    p.weight[static_cast<std::size_t>(k)] = 1;
  }
  return p;
}

FaultProfile draw_profile(std::uint64_t seed, Duration t) {
  core::Rng rng(seed ^ 0x5a4a4a5a4a4a5a4aULL);
  if (rng.below(8) == 0) return classic_profile();
  FaultProfile p;
  p.name = "swarm";
  // Each kind is on with even odds, with a weight of 1, 2, 4, ... 32: most profiles are
  // dominated by one to three kinds (at least one kind on).
  auto weight = [&] { return 1 << rng.between(0, 5); };
  for (auto& w : p.weight) w = rng.chance(0.5) ? weight() : 0;
  if (std::all_of(p.weight.begin(), p.weight.end(), [](int w) { return w == 0; })) {
    p.weight[rng.below(kFaultKinds)] = weight();
  }
  // From a fault every few heartbeats to one every few seconds.
  p.min_gap = ms(rng.between(10, 200));
  p.max_gap = p.min_gap + ms(rng.between(100, 3000));
  p.max_outage = ms(rng.between(100, 4000));
  p.after_election = rng.chance(0.8) ? static_cast<double>(rng.between(30, 100)) / 100.0 : 0;
  p.aimed_burst = static_cast<int>(rng.between(1, 4));
  p.after_campaign = rng.chance(0.6) ? static_cast<double>(rng.between(10, 80)) / 100.0 : 0;
  // Mostly within the first few T of a leadership, while its voters' binding from the campaign
  // is all its lease rests on beyond the last heartbeat (docs/design.md §4, campaign length).
  p.react_within = t * rng.between(1, 4);
  p.split_by_size = rng.chance(0.5);
  p.separate_cuts = true;
  p.max_loss_pct = static_cast<int>(rng.between(10, 80));
  // Up to a few T: a campaign's answers then come after its 3T deadline.
  p.max_latency = t * rng.between(1, 5);
  p.max_down = t * rng.between(1, 10) / 2;
  return p;
}

}  // namespace elector::sim
