#include "sim/faults.hpp"

#include <functional>
#include <map>

#include "core/rng.hpp"

namespace elector::sim {

void heal_all(Cluster& c) {
  c.heal();
  c.set_loss(0);
  for (const auto& name : c.names()) {
    if (c.frozen(name)) c.thaw(name);
    if (!c.running(name)) c.start(name);
  }
}

FaultLog inject_faults(Cluster& c, std::uint64_t seed, const FaultOptions& opt) {
  Rng rng(seed ^ 0xfa17fa17fa17fa17ULL);
  FaultLog log;
  const Time end = c.now() + opt.duration;
  std::multimap<Time, std::function<void()>> repairs;
  const auto& names = c.names();
  auto pick = [&] { return names[rng.below(names.size())]; };
  auto outage = [&] { return Duration(rng.between(ms(20).count(), opt.max_outage.count())); };
  auto note = [&](const std::string& what) {
    log.lines.push_back("t=" + std::to_string(to_ms(c.now() - c.epoch())) + "ms " + what);
  };

  Time next_fault = c.now() + Duration(rng.between(opt.min_gap.count(), opt.max_gap.count()));
  while (true) {
    const Time next_repair = repairs.empty() ? kNever : repairs.begin()->first;
    const Time next = std::min(next_repair, next_fault);
    if (next >= end && next_repair >= end) break;
    c.run_until(next);
    if (next == next_repair) {
      auto fn = std::move(repairs.begin()->second);
      repairs.erase(repairs.begin());
      fn();
      continue;
    }
    next_fault = c.now() + Duration(rng.between(opt.min_gap.count(), opt.max_gap.count()));
    if (next_fault >= end) next_fault = kNever;
    ++log.faults;
    const std::string n = pick();
    switch (rng.below(6)) {
      case 0: {  // kill -9, seen by the transport
        if (!c.running(n)) break;
        note("crash " + n);
        c.crash(n, true);
        repairs.emplace(c.now() + outage(), [&c, n, &note] {
          note("restart " + n);
          if (!c.running(n)) c.start(n);
        });
        break;
      }
      case 1: {  // the host vanishes: no signal
        if (!c.running(n)) break;
        note("crash-silent " + n);
        c.crash(n, false);
        repairs.emplace(c.now() + outage(), [&c, n, &note] {
          note("restart " + n);
          if (!c.running(n)) c.start(n);
        });
        break;
      }
      case 2: {  // SIGSTOP
        if (!c.running(n) || c.frozen(n)) break;
        note("freeze " + n);
        c.freeze(n);
        repairs.emplace(c.now() + outage(), [&c, n, &note] {
          note("thaw " + n);
          c.thaw(n);
        });
        break;
      }
      case 3: {  // SIGTERM then start again
        if (!c.running(n) || c.frozen(n)) break;
        note("stop " + n);
        c.stop(n);
        repairs.emplace(c.now() + outage(), [&c, n, &note] {
          note("start " + n);
          if (!c.running(n)) c.start(n);
        });
        break;
      }
      case 4: {  // a random two-way partition
        std::vector<std::string> a, b;
        for (const auto& x : names) (rng.chance(0.5) ? a : b).push_back(x);
        note("partition " + std::to_string(a.size()) + "/" + std::to_string(b.size()));
        c.partition({a, b});
        repairs.emplace(c.now() + outage(), [&c, &note] {
          note("heal");
          c.heal();
        });
        break;
      }
      default: {  // a burst of loss
        const double p = static_cast<double>(rng.between(5, 40)) / 100.0;
        note("loss " + std::to_string(static_cast<int>(p * 100)) + "%");
        c.set_loss(p);
        repairs.emplace(c.now() + outage(), [&c, &note] {
          note("loss 0%");
          c.set_loss(0);
        });
        break;
      }
    }
  }
  c.run_until(end);
  note("heal all");
  heal_all(c);
  return log;
}

}  // namespace elector::sim
