#include "sim/run.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace elector::sim {

std::int64_t RunSpec::duration() const {
  if (duration_ms >= 0) return duration_ms;
  return faults ? 40000 : 10000;
}

ClockSkew RunSpec::clock_skew() const {
  if (clock) return *clock;
  return faults ? ClockSkew::within : ClockSkew::none;
}

Duration RunSpec::stagger() const {
  if (stagger_us >= 0) return std::chrono::microseconds(stagger_us);
  return std::max(Duration(std::chrono::microseconds(50)),
                  std::min(Duration(ms(1)), Duration(ms(2000)) / nodes));
}

std::string RunSpec::command() const {
  const RunSpec d;
  std::ostringstream o;
  o << "elector-sim --nodes " << nodes << " --seed " << seed << " --quorum-size " << quorum;
  if (strategy != d.strategy) o << " --strategy " << strategy;
  if (duration_ms >= 0) o << " --duration-ms " << duration_ms;
  if (heartbeat_ms != d.heartbeat_ms) o << " --heartbeat-interval " << heartbeat_ms;
  if (election_delay_ms != d.election_delay_ms) o << " --election-delay " << election_delay_ms;
  if (loss != d.loss) o << " --loss " << loss;
  if (latency_min_ms >= 0) o << " --latency-ms " << latency_min_ms << ' ' << latency_max_ms;
  if (tcp) o << " --tcp";
  if (stagger_us >= 0) o << " --stagger-us " << stagger_us;
  if (faults) o << " --faults --profile " << to_string(profile);
  if (clock) o << " --clock-skew " << to_string(*clock);
  return o.str();
}

Options cluster_options(const RunSpec& s) {
  Options opt;
  opt.nodes = s.nodes;
  opt.seed = s.seed;
  opt.loss = s.loss;
  opt.stream_retransmit = s.tcp;
  if (s.latency_min_ms >= 0) {
    const auto us = [](double v) { return std::chrono::microseconds(std::llround(v * 1000)); };
    opt.latency_min = us(s.latency_min_ms);
    opt.latency_max = us(s.latency_max_ms);
  }
  opt.base.strategy = s.strategy;
  opt.base.quorum_size = s.quorum;
  opt.base.heartbeat_interval = ms(s.heartbeat_ms);
  opt.base.election_delay = ms(s.election_delay_ms);
  opt.start_stagger = s.stagger();
  opt.clock_skew = s.clock_skew();
  return opt;
}

std::vector<std::string> RunResult::failures(const Cluster& c) const {
  std::vector<std::string> out = c.invariants().violations();
  out.insert(out.end(), liveness.begin(), liveness.end());
  return out;
}

RunResult run(Cluster& c, const RunSpec& s) {
  RunResult r;
  const Time t0 = c.now();
  const Time end = t0 + ms(s.duration());
  const Duration stagger = c.options().start_stagger;
  c.start_all();

  auto agreed = [&] { return c.agreed_leader().has_value(); };
  const Duration check = s.nodes > 200 ? ms(10) : Duration::zero();
  const Duration bound = ms(30000) + ms(s.election_delay_ms) + stagger * s.nodes;
  if (s.faults) {
    c.run_until(t0 + stagger * s.nodes + ms(s.election_delay_ms) + ms(500));
    FaultOptions fo;
    fo.duration = std::max(Duration(ms(1000)), (end - c.now()) * 6 / 10);
    fo.mode = s.profile;
    r.log = fault_phase(c, s.seed, fo);
    const QuorumHeal h = draw_quorum_heal(c, s.seed, quorum_heal_size(s.nodes, s.quorum));
    r.log.lines.push_back(log_line(c, "heal quorum: " + h.describe()));
    heal_quorum(c, h);
    const Time healed = c.now();
    // Counted from 20 T after healing on: a lease from before the heal, which its holder can no
    // longer renew, has run out by then (it lasts a few T), so the leader agreed was elected or
    // kept by the healed majority itself.
    const Duration settle = 20 * ms(s.heartbeat_ms);
    auto quorum_agreed = [&] {
      return c.now() - healed >= settle && c.agreed_leader(h.healed).has_value();
    };
    if (!c.run_until(quorum_agreed, settle + bound, check)) {
      r.liveness.push_back("the healed majority agreed on no leader within " +
                           std::to_string(to_ms(settle + bound)) + "ms (" + h.describe() + ")");
    } else {
      r.quorum_agreed_after = c.now() - healed;
      r.quorum_agreed_on = *c.agreed_leader(h.healed);
    }
    r.log.lines.push_back(log_line(c, "heal all"));
    heal_all(c);
  }
  const Time healed = c.now();
  if (!c.run_until(agreed, bound, check)) {
    r.liveness.push_back("no agreed leader within " + std::to_string(to_ms(bound)) + "ms of " +
                         (s.faults ? "healing" : "start"));
  } else {
    r.agreed_after = c.now() - healed;
    r.agreed_on = *c.agreed_leader();
  }
  r.window_start = std::max(c.now(), end - std::min(Duration(ms(5000)), (end - t0) / 2));
  if (c.now() < r.window_start) c.run_until(r.window_start);
  r.at_window = c.stats();
  if (c.now() < end) c.run_until(end);
  if (r.liveness.empty() && !c.run_until(agreed, bound, check)) {
    r.liveness.push_back("no agreed leader at the end of the run");
  }
  return r;
}

}  // namespace elector::sim
