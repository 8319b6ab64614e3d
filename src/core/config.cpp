#include "elector/config.hpp"

#include <cmath>

#include <string>

namespace elector {

namespace {

std::string ms_str(Duration d) {
  return std::to_string(to_ms(d));
}

/// FNV-1a, 64 bits: stable everywhere, enough to notice differing settings.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

const char* to_string(HooksExecution h) {
  return h == HooksExecution::local ? "local" : "global";
}

std::optional<HooksExecution> hooks_execution_from(std::string_view s) {
  if (s == "local") return HooksExecution::local;
  if (s == "global") return HooksExecution::global;
  return std::nullopt;
}

std::shared_ptr<const Strategy> strategy_of(const Config& c) {
  if (c.custom_strategy) return c.custom_strategy;
  return make_strategy(c.strategy);
}

Duration far_heartbeat_interval(const Config& c) {
  return c.far_heartbeat_interval > Duration::zero() ? c.far_heartbeat_interval
                                                     : 10 * c.heartbeat_interval;
}

int big_cluster_factor(std::size_t members) {
  if (members <= 128) return 1;
  return static_cast<int>(std::ceil(std::log2(static_cast<double>(members)) - 7.0)) + 1;
}

std::vector<ConfigError> validate(const Config& c) {
  std::vector<ConfigError> errs;
  auto err = [&](std::string key, std::string value, std::string msg) {
    errs.push_back(ConfigError{std::move(key), std::move(value), std::move(msg)});
  };
  if (c.name.empty()) err("name", "", "must not be empty");
  // The wire format carries the name in a length byte (wire/auth.hpp).
  if (c.name.size() > 255) err("name", c.name.substr(0, 32) + "...", "longer than 255 bytes");
  if (!strategy_of(c)) {
    err("strategy", c.strategy,
        "unknown strategy (expected uptime_high, uptime_low, runtime_high, runtime_low or "
        "priority)");
  }
  if (c.election_delay < Duration::zero()) {
    err("election_delay", ms_str(c.election_delay), "must be >= 0 ms");
  }
  if (c.quorum_size < 0) {
    err("quorum_size", std::to_string(c.quorum_size), "must be >= 1, or 0 for a majority");
  }
  if (c.cluster_size < 0) {
    err("cluster_size", std::to_string(c.cluster_size), "must be >= 1, or 0 for none declared");
  }
  if (c.hook_timeout <= Duration::zero()) {
    err("hook_timeout", ms_str(c.hook_timeout), "must be > 0 ms");
  }
  if (c.heartbeat_interval < ms(1)) {
    err("heartbeat_interval", ms_str(c.heartbeat_interval), "must be >= 1 ms");
  }
  if (c.heartbeat_watchers < 1) {
    err("heartbeat_watchers", std::to_string(c.heartbeat_watchers), "must be >= 1");
  }
  if (c.far_heartbeat_interval < Duration::zero() ||
      (c.far_heartbeat_interval > Duration::zero() &&
       c.far_heartbeat_interval < c.heartbeat_interval)) {
    err("far_heartbeat_interval", ms_str(c.far_heartbeat_interval),
        "must be 0 (10 x heartbeat_interval) or >= heartbeat_interval");
  }
  const auto& m = c.membership;
  if (m.probe_interval < ms(1)) {
    err("probe_interval", ms_str(m.probe_interval), "must be >= 1 ms");
  }
  if (m.probe_timeout <= Duration::zero() || m.probe_timeout > m.probe_interval) {
    err("probe_timeout", ms_str(m.probe_timeout), "must be > 0 and <= probe_interval");
  }
  return errs;
}

std::uint64_t election_settings_hash(const Config& c) {
  const auto s = strategy_of(c);
  std::string canon;
  canon += "strategy=" + std::string(s ? s->name() : std::string_view(c.strategy));
  // cluster_size is not in it: a declared size only raises the base of the majority, so nodes
  // that declare different ones (or none) are each at least as strict as their view requires.
  canon += ";quorum_size=" + std::to_string(c.quorum_size);
  canon += ";election_delay=" + ms_str(c.election_delay);
  canon += ";heartbeat_interval=" + std::to_string(c.heartbeat_interval.count());
  canon += ";hooks_execution=" + std::string(to_string(c.hooks_execution));
  canon += ";automatic_elections=" + std::string(c.automatic_elections ? "true" : "false");
  return fnv1a(canon);
}

}  // namespace elector
