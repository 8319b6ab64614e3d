#include "elector/config.hpp"

#include <cmath>

#include <string>
#include <string_view>

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

/// "HOST:PORT" split at its last ':' (brackets of an IPv6 host removed); false when malformed.
bool split_address(std::string_view addr, std::string_view& host, std::string_view& port) {
  const auto colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == addr.size()) return false;
  host = addr.substr(0, colon);
  port = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false;  // an IPv6 host must be in brackets
  }
  if (host.empty() || port.size() > 5) return false;
  for (const char ch : port) {
    if (ch < '0' || ch > '9') return false;
  }
  return std::stoul(std::string(port)) <= 65535;
}

/// A host that names every address of the machine: it can be listened on, not reached.
bool names_every_address(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0";
}

}  // namespace

std::string advertised_address(const Config& c, const std::string& bound) {
  if (c.advertise.empty()) return bound;
  std::string_view host, port, bound_host, bound_port;
  if (split_address(c.advertise, host, port) && std::stoul(std::string(port)) == 0 &&
      split_address(bound, bound_host, bound_port)) {
    return c.advertise.substr(0, c.advertise.rfind(':') + 1) + std::string(bound_port);
  }
  return c.advertise;
}

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
  std::string_view host, port;
  if (!c.advertise.empty()) {
    if (!split_address(c.advertise, host, port)) {
      err("advertise", c.advertise, "expected HOST:PORT (an IPv6 host in brackets)");
    } else if (names_every_address(host)) {
      err("advertise", c.advertise,
          "names every address of this host, which the members cannot reach: advertise the one "
          "they should use");
    }
  } else if (split_address(c.listen, host, port) && names_every_address(host)) {
    err("listen", c.listen,
        "binds every address of this host, which the members cannot be told to reach: set "
        "advertise (electord: --advertise HOST:PORT) to the one they should use");
  }
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
