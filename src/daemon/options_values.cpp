#include "daemon/options_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <system_error>
#include <utility>

#include "elector/strategy.hpp"

namespace elector::daemon {

namespace {

constexpr std::int64_t kMaxMs = 1'000'000'000;  // ~11.6 days: keeps durations far from overflow

std::optional<std::int64_t> as_int(const RawValue& r) {
  if (const auto* i = std::get_if<std::int64_t>(&r.v)) return *i;
  const auto* s = std::get_if<std::string>(&r.v);
  if (s == nullptr || !r.textual || s->empty()) return std::nullopt;
  std::int64_t out = 0;
  const char* begin = s->data();
  const char* end = begin + s->size();
  if (*begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}

std::optional<bool> as_bool(const RawValue& r) {
  if (const auto* b = std::get_if<bool>(&r.v)) return *b;
  const auto* s = std::get_if<std::string>(&r.v);
  if (s == nullptr || !r.textual) return std::nullopt;
  std::string lower;
  for (const char c : *s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

std::optional<std::string> as_string(const RawValue& r) {
  if (const auto* s = std::get_if<std::string>(&r.v)) return *s;
  return std::nullopt;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

/// A list value. Text is split at commas when `split` (seeds); a hook command is kept whole.
std::optional<std::vector<std::string>> as_list(const RawValue& r, bool split) {
  std::vector<std::string> items;
  auto add = [&](const std::string& s) {
    if (!split) {
      items.push_back(s);
      return;
    }
    std::size_t start = 0;
    while (start <= s.size()) {
      const auto comma = std::min(s.find(',', start), s.size());
      auto item = trim(std::string_view(s).substr(start, comma - start));
      if (!item.empty()) items.push_back(std::move(item));
      start = comma + 1;
    }
  };
  if (const auto* l = std::get_if<std::vector<std::string>>(&r.v)) {
    for (const auto& s : *l) add(s);
    return items;
  }
  if (const auto* s = std::get_if<std::string>(&r.v)) {
    add(*s);
    return items;
  }
  return std::nullopt;
}

bool has_space_or_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isspace(u) != 0 || std::iscntrl(u) != 0;
  });
}

/// A count of members: 0 (the default) or more.
Parsed<int> parse_count(const RawValue& r, const char* why) {
  const auto v = as_int(r);
  if (!v || *v < 0 || *v > INT_MAX) return Why{why};
  return static_cast<int>(*v);
}

}  // namespace

std::string display(const RawValue& r) {
  struct Visitor {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string s;
      for (const auto& e : l) s += (s.empty() ? "" : ",") + e;
      return s;
    }
    std::string operator()(const Unsupported& u) const { return u.rendered; }
  };
  return std::visit(Visitor{}, r.v);
}

std::string bad_value(const std::string& origin, const std::string& value, const std::string& why) {
  return std::string(kProgram) + ": bad value for " + origin + ": \"" + value + "\" (" + why + ")";
}

Parsed<std::string> parse_name(const RawValue& r) {
  const auto v = as_string(r);
  if (!v || v->empty() || has_space_or_control(*v)) {
    return Why{"expected a non-empty name without spaces"};
  }
  return *v;
}

Parsed<std::string> parse_listen(const RawValue& r) {
  const auto v = as_string(r);
  const auto hp = v ? parse_host_port(*v) : std::nullopt;
  if (!hp || hp->port == 0) return Why{"expected HOST:PORT with a port in 1..65535"};
  return *v;
}

Parsed<std::string> parse_advertise(const RawValue& r) {
  const auto v = as_string(r);
  const auto hp = v ? parse_host_port(*v) : std::nullopt;
  if (!hp) return Why{"expected HOST:PORT (port 0: the listen port)"};
  return *v;
}

Parsed<std::vector<std::string>> parse_seeds(const RawValue& r) {
  const auto v = as_list(r, true);
  constexpr std::string_view form = "expected HOST:PORT or srv:NAME[,...]";
  if (!v) return Why{std::string(form)};
  for (const auto& seed : *v) {
    if (seed.starts_with("srv:")) {
      // A DNS name: letters, digits, '-', '_' (SRV labels) and dots.
      const auto name = std::string_view(seed).substr(4);
      const bool ok = !name.empty() && name.size() <= 253 &&
                      name.find_first_not_of(
                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          "0123456789-_.") == std::string_view::npos;
      if (!ok) return Why{std::string(form) + "; \"" + seed + "\" is not a DNS name after srv:"};
      continue;
    }
    const auto hp = parse_host_port(seed);
    if (!hp || hp->port == 0) {
      return Why{std::string(form) + "; \"" + seed + "\" is not HOST:PORT"};
    }
  }
  return *v;
}

Parsed<ControlAddress> parse_control(const RawValue& r) {
  const auto v = as_string(r);
  if (v && v->rfind("unix:", 0) == 0) {
    // The path goes into a sockaddr_un (108 bytes with the terminating NUL).
    const auto path_size = v->size() - 5;
    if (path_size == 0 || path_size > 107) {
      return Why{"expected unix:PATH with a socket path of 1 to 107 bytes"};
    }
    // The server tells the two apart by the prefix; there is no port.
    return ControlAddress{*v, HostPort{*v, 0}};
  }
  const auto hp = v ? parse_host_port(*v) : std::nullopt;
  if (!hp) return Why{"expected HOST:PORT or unix:PATH"};
  return ControlAddress{*v, *hp};
}

Parsed<std::string> parse_file_name(const RawValue& r) {
  const auto v = as_string(r);
  if (!v) return Why{"expected a file name"};
  return *v;
}

Parsed<std::string> parse_state_file(const RawValue& r) {
  const auto v = as_string(r);
  if (!v || v->empty() || v->back() == '/') return Why{"expected a file name"};
  return *v;
}

Parsed<std::string> parse_directory(const RawValue& r) {
  const auto v = as_string(r);
  if (!v || v->empty()) return Why{"expected a directory name"};
  return *v;
}

Parsed<bool> parse_bool(const RawValue& r) {
  const auto v = as_bool(r);
  if (!v) return Why{"expected true or false"};
  return *v;
}

Parsed<std::string> parse_strategy(const RawValue& r) {
  const auto v = as_string(r);
  if (!v || !elector::make_strategy(*v)) {
    return Why{"expected uptime_high, uptime_low, runtime_high, runtime_low or priority"};
  }
  return *v;
}

Parsed<std::int64_t> parse_integer(const RawValue& r) {
  const auto v = as_int(r);
  if (!v) return Why{"expected an integer"};
  return *v;
}

Parsed<int> parse_quorum_size(const RawValue& r) {
  return parse_count(r, "expected an integer >= 1, or 0 for a majority");
}

Parsed<int> parse_cluster_size(const RawValue& r) {
  return parse_count(r, "expected an integer >= 1, or 0 for none declared");
}

Parsed<elector::HooksExecution> parse_hooks_execution(const RawValue& r) {
  const auto v = as_string(r);
  const auto h = v ? elector::hooks_execution_from(*v) : std::nullopt;
  if (!h) return Why{"expected local or global"};
  return *h;
}

Parsed<std::vector<std::string>> parse_hooks(const RawValue& r) {
  const auto v = as_list(r, false);
  if (!v) return Why{"expected a shell command (a list of them in TOML)"};
  for (const auto& cmd : *v) {
    if (trim(cmd).empty()) return Why{"expected a non-empty shell command"};
  }
  return *v;
}

Parsed<LogFormat> parse_log_format(const RawValue& r) {
  const auto v = as_string(r);
  if (v == "text") return LogFormat::text;
  if (v == "json") return LogFormat::json;
  return Why{"expected text or json"};
}

Parsed<elector::LogLevel> parse_log_level(const RawValue& r) {
  using elector::LogLevel;
  const auto v = as_string(r);
  if (v == "warning") return LogLevel::warn;
  for (const auto l : elector::kLogLevels) {
    if (v == elector::to_string(l)) return l;
  }
  return Why{"expected trace, debug, info, warn, error, critical or off"};
}

std::function<Parsed<elector::Duration>(const RawValue&)> parse_millis(std::int64_t min) {
  return [min](const RawValue& r) -> Parsed<elector::Duration> {
    const auto v = as_int(r);
    if (!v || *v < min || *v > kMaxMs) {
      return Why{"expected milliseconds, an integer from " + std::to_string(min) + " to " +
                 std::to_string(kMaxMs)};
    }
    return elector::ms(*v);
  };
}

}  // namespace elector::daemon
