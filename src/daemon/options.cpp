#include "daemon/options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <variant>

#include <CLI/CLI.hpp>

#include "daemon/toml.hpp"
#include "daemon/toml_parse.hpp"
#include "elector/strategy.hpp"

#ifndef ELECTORD_VERSION
#define ELECTORD_VERSION "unknown"
#endif

namespace electord {

const char* to_string(LogFormat f) {
  return f == LogFormat::json ? "json" : "text";
}

const char* to_string(LogLevel l) {
  switch (l) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
    case LogLevel::critical:
      return "critical";
    case LogLevel::off:
      return "off";
  }
  return "?";
}

std::optional<HostPort> parse_host_port(const std::string& s) {
  std::string host;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    host = s.substr(1, close - 1);
    port_text = std::string_view(s).substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = s.substr(0, colon);
    // An unbracketed IPv6 address would be ambiguous.
    if (host.find(':') != std::string::npos) return std::nullopt;
    port_text = std::string_view(s).substr(colon + 1);
  }
  if (host.empty() || port_text.empty()) return std::nullopt;
  for (const char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '[' || c == ']') {
      return std::nullopt;
    }
  }
  int port = -1;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 0 || port > 65535) return std::nullopt;
  return HostPort{host, port};
}

std::string format_host_port(const HostPort& hp) {
  if (hp.host.find(':') != std::string::npos) {
    return "[" + hp.host + "]:" + std::to_string(hp.port);
  }
  return hp.host + ":" + std::to_string(hp.port);
}

bool is_loopback_host(const std::string& host) {
  // A unix socket (control "unix:PATH") is reachable from this host only.
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 ||
         host.rfind("unix:", 0) == 0;
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return data;
}

StateDirEnv StateDirEnv::of_process() {
  const auto var = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  StateDirEnv e;
  e.state_directory = var("STATE_DIRECTORY");
  e.xdg_state_home = var("XDG_STATE_HOME");
  e.home = var("HOME");
  e.root = ::geteuid() == 0;
  return e;
}

std::pair<std::string, std::string> default_state_dir(const StateDirEnv& env) {
  // systemd sets a colon-separated list when StateDirectory= names several: the first is ours.
  if (!env.state_directory.empty()) {
    return {env.state_directory.substr(0, env.state_directory.find(':')), "$STATE_DIRECTORY"};
  }
  if (env.root) return {"/var/lib/elector", "root"};
  // The XDG specification ignores a relative $XDG_STATE_HOME.
  if (!env.xdg_state_home.empty() && env.xdg_state_home.front() == '/') {
    return {env.xdg_state_home + "/elector", "$XDG_STATE_HOME"};
  }
  if (!env.home.empty()) return {env.home + "/.local/state/elector", "$HOME"};
  return {};
}

std::map<std::string, std::string> elector_environment(char** envp) {
  std::map<std::string, std::string> env;
  for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
    const std::string_view entry(*p);
    if (entry.rfind("ELECTOR_", 0) != 0) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace {

constexpr const char* kProgram = "electord";
constexpr std::int64_t kMaxMs = 1'000'000'000;  // ~11.6 days: keeps durations far from overflow

enum class Kind { text, integer, boolean, list, hooks };

/// One configuration key. The TOML key and the environment variable derive from `key`; the
/// command-line option is `key` in kebab-case.
struct KeyDef {
  const char* key;
  Kind kind;
  const char* value_name;
  const char* help;
  bool in_toml = true;
};

const KeyDef kKeys[] = {
    {"name", Kind::text, "NAME", "This node's name, unique in the cluster (required)"},
    {"listen", Kind::text, "HOST:PORT", "Address the cluster reaches this node at (required)"},
    {"seeds", Kind::list, "HOST:PORT,...", "Addresses of members to join through (repeatable)"},
    {"control", Kind::text, "HOST:PORT|unix:PATH",
     "Address of the local HTTP/JSON control API (default 127.0.0.1:7947; port 0: any free one; "
     "unix:PATH: a unix socket, mode 0600)"},
    {"config", Kind::text, "FILE.toml", "Read settings from this TOML file", false},
    {"control_token_file", Kind::text, "FILE",
     "File holding the token that admits clients of other hosts to the control API "
     "(Authorization: Bearer); without it only this host's clients are answered"},
    {"cookie_file", Kind::text, "FILE",
     "File holding the cluster secret (or the secret itself in ELECTOR_COOKIE)"},
    {"insecure", Kind::boolean, "",
     "Run without a cluster secret (messages not authenticated): local experiments only"},
    {"strategy", Kind::text, "STRATEGY",
     "uptime_high (default), uptime_low, runtime_high, runtime_low or priority"},
    {"priority", Kind::integer, "N", "Priority under the priority strategy (1 is the best)"},
    {"election_delay", Kind::integer, "MS",
     "Delay before an automatic election (ms, default 1000)"},
    {"quorum_size", Kind::integer, "N",
     "Members (self included) that must back a leader (default 0: a majority of the cluster; "
     "half the cluster or less is availability mode)"},
    {"cluster_size", Kind::integer, "N",
     "The number of voters the cluster is meant to have, whose majority the default quorum needs "
     "from the first second (default 0: none declared)"},
    {"candidate", Kind::boolean, "true|false",
     "Whether this node may become leader (default true)"},
    {"hooks_execution", Kind::text, "local|global",
     "Run hooks only on the node running the election (local, default) or on every node"},
    {"automatic_elections", Kind::boolean, "true|false",
     "Elect on start, join and leave (default true)"},
    {"pre_election_hook", Kind::hooks, "CMD", "Shell command run before an election (repeatable)"},
    {"post_election_hook", Kind::hooks, "CMD", "Shell command run after an election (repeatable)"},
    {"hook_timeout", Kind::integer, "MS",
     "A hook still running after this is killed (default 1000)"},
    {"heartbeat_interval", Kind::integer, "MS",
     "Leader heartbeat period T; the leader is lost after 4T (default 100)"},
    {"event_log", Kind::text, "FILE", "Append one JSON object per event to this file"},
    {"log_format", Kind::text, "text|json", "Log format on stderr (default text)"},
    {"log_level", Kind::text, "LEVEL",
     "trace, debug, info (default), warn, error, critical or off"},
    {"state_dir", Kind::text, "DIR",
     "Directory of this node's state file, DIR/NAME.state (default: $STATE_DIRECTORY, else "
     "/var/lib/elector as root, else $XDG_STATE_HOME/elector or ~/.local/state/elector)"},
    {"state_file", Kind::text, "FILE",
     "This node's state file itself, instead of one in the state directory"},
};

/// TOML spellings accepted besides the canonical key.
const std::map<std::string, std::string, std::less<>> kTomlAliases = {
    {"pre_election_hooks", "pre_election_hook"},
    {"post_election_hooks", "post_election_hook"},
    {"candidate_node", "candidate"},
};

const KeyDef* find_key(std::string_view key) {
  for (const auto& k : kKeys) {
    if (key == k.key) return &k;
  }
  return nullptr;
}

std::string kebab(std::string_view key) {
  std::string s = "--";
  for (const char c : key) s += c == '_' ? '-' : c;
  return s;
}

std::string env_name(std::string_view key) {
  std::string s = "ELECTOR_";
  for (const char c : key) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

enum class Layer { toml = 0, env = 1, cli = 2 };

/// A TOML value of a type no key accepts (a float, a table, a date...), kept for the message.
struct Unsupported {
  std::string rendered;
};

/// A value as one source gave it, before it is checked.
struct RawValue {
  std::variant<std::string, std::int64_t, bool, std::vector<std::string>, Unsupported> v;
  /// From the command line or the environment: strings still to be parsed (a TOML string for
  /// an integer key is an error instead).
  bool textual = false;
  Layer layer = Layer::cli;
  /// Names the source in messages: "--quorum-size", "ELECTOR_QUORUM_SIZE", "quorum_size in x".
  std::string origin;
};

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

RawValue from_toml(const toml::node& n, std::string origin) {
  RawValue r;
  r.layer = Layer::toml;
  r.origin = std::move(origin);
  if (const auto* s = n.as_string()) {
    r.v = s->get();
  } else if (const auto* i = n.as_integer()) {
    r.v = i->get();
  } else if (const auto* b = n.as_boolean()) {
    r.v = b->get();
  } else {
    std::vector<std::string> list;
    bool all_strings = false;
    if (const auto* a = n.as_array()) {
      all_strings = true;
      for (const auto& e : *a) {
        if (const auto* es = e.as_string()) {
          list.push_back(es->get());
        } else {
          all_strings = false;
        }
      }
    }
    if (all_strings) {
      r.v = std::move(list);
    } else {
      std::ostringstream os;
      os << toml::node_view<const toml::node>(n);
      r.v = Unsupported{os.str()};
    }
  }
  return r;
}

using Values = std::map<std::string, RawValue, std::less<>>;

/// Reads the TOML file's keys into `out`. Returns false (with errors) when the file is unusable.
bool load_toml(const std::string& path, const std::string& origin, const FileReader& read_file,
               Values& out, std::vector<std::string>& errors) {
  std::string err;
  const auto text = read_file(path, err);
  if (!text) {
    errors.push_back(std::string(kProgram) + ": cannot read " + origin + " \"" + path +
                     "\": " + err);
    return false;
  }
  auto parsed = parse_toml(*text, path);
  if (const auto* problem = std::get_if<TomlProblem>(&parsed)) {
    errors.push_back(std::string(kProgram) + ": cannot parse config file \"" + path + "\": line " +
                     std::to_string(problem->line) + ", column " + std::to_string(problem->column) +
                     ": " + problem->message);
    return false;
  }
  const toml::table& table = std::get<toml::table>(parsed);
  const auto before = errors.size();
  std::map<std::string, std::string> spelled;  // canonical key -> the spelling the file used
  for (const auto& [k, node] : table) {
    const std::string key(k.str());
    std::string canonical = key;
    if (const auto alias = kTomlAliases.find(key); alias != kTomlAliases.end()) {
      canonical = alias->second;
    }
    const KeyDef* def = find_key(canonical);
    if (def == nullptr || !def->in_toml) {
      std::string msg =
          std::string(kProgram) + ": unknown key \"" + key + "\" in config file \"" + path + "\"";
      if (key == "config") {
        msg += " (a config file cannot name another one)";
      } else if (key == "cookie" || key == "secret") {
        msg += " (keep the secret in its own file and set cookie_file, or use ELECTOR_COOKIE)";
      } else {
        std::string snake = key;
        std::replace(snake.begin(), snake.end(), '-', '_');
        if (snake != key && find_key(snake) != nullptr) msg += " (did you mean " + snake + "?)";
      }
      errors.push_back(msg);
      continue;
    }
    if (const auto seen = spelled.find(canonical); seen != spelled.end()) {
      errors.push_back(std::string(kProgram) + ": config file \"" + path + "\" sets both " +
                       seen->second + " and " + key + "; keep one");
      continue;
    }
    spelled.emplace(canonical, key);
    out.emplace(canonical, from_toml(node, key + " in " + path));
  }
  return errors.size() == before;
}

/// Applies one checked value to the settings, or explains what is wrong with it.
class Applier {
 public:
  Applier(Settings& s, std::vector<std::string>& errors) : s_(s), errors_(errors) {}

  void apply(const KeyDef& def, const RawValue& r) {
    const std::string key = def.key;
    auto& cfg = s_.node;
    if (key == "name") {
      const auto v = as_string(r);
      if (!v || v->empty() || has_space_or_control(*v)) {
        return fail(r, "expected a non-empty name without spaces");
      }
      cfg.name = *v;
    } else if (key == "listen") {
      const auto v = as_string(r);
      const auto hp = v ? parse_host_port(*v) : std::nullopt;
      if (!hp || hp->port == 0) return fail(r, "expected HOST:PORT with a port in 1..65535");
      cfg.listen = *v;
    } else if (key == "seeds") {
      const auto v = as_list(r, true);
      if (!v) return fail(r, "expected HOST:PORT[,HOST:PORT...]");
      for (const auto& seed : *v) {
        const auto hp = parse_host_port(seed);
        if (!hp || hp->port == 0) {
          return fail(r, "expected HOST:PORT[,HOST:PORT...]; \"" + seed + "\" is not HOST:PORT");
        }
      }
      cfg.seeds = *v;
    } else if (key == "control") {
      const auto v = as_string(r);
      if (v && v->rfind("unix:", 0) == 0) {
        // The path goes into a sockaddr_un (108 bytes with the terminating NUL).
        const auto path_size = v->size() - 5;
        if (path_size == 0 || path_size > 107) {
          return fail(r, "expected unix:PATH with a socket path of 1 to 107 bytes");
        }
        // The server tells the two apart by the prefix; there is no port.
        s_.control = *v;
        s_.control_addr = HostPort{*v, 0};
        return;
      }
      const auto hp = v ? parse_host_port(*v) : std::nullopt;
      if (!hp) return fail(r, "expected HOST:PORT or unix:PATH");
      s_.control = *v;
      s_.control_addr = *hp;
    } else if (key == "config" || key == "cookie_file" || key == "event_log" ||
               key == "state_file" || key == "control_token_file") {
      const auto v = as_string(r);
      if (!v) return fail(r, "expected a file name");
      if (key == "state_file" && (v->empty() || v->back() == '/')) {
        return fail(r, "expected a file name");
      }
      if (key == "config") s_.config_file = *v;
      if (key == "cookie_file") cookie_file_ = *v;
      if (key == "control_token_file") control_token_file_ = *v;
      if (key == "event_log") s_.event_log = *v;
      if (key == "state_file") {
        cfg.state_file = *v;
        s_.state_origin = r.origin;
      }
    } else if (key == "state_dir") {
      const auto v = as_string(r);
      if (!v || v->empty()) return fail(r, "expected a directory name");
      s_.state_dir = *v;
      s_.state_origin = r.origin;
    } else if (key == "insecure") {
      const auto v = as_bool(r);
      if (!v) return fail(r, "expected true or false");
      cfg.insecure = *v;
    } else if (key == "strategy") {
      const auto v = as_string(r);
      if (!v || !elector::make_strategy(*v)) {
        return fail(r, "expected uptime_high, uptime_low, runtime_high, runtime_low or priority");
      }
      cfg.strategy = *v;
    } else if (key == "priority") {
      const auto v = as_int(r);
      if (!v) return fail(r, "expected an integer");
      cfg.priority = *v;
    } else if (key == "quorum_size") {
      const auto v = as_int(r);
      if (!v || *v < 0 || *v > INT_MAX) {
        return fail(r, "expected an integer >= 1, or 0 for a majority");
      }
      cfg.quorum_size = static_cast<int>(*v);
    } else if (key == "cluster_size") {
      const auto v = as_int(r);
      if (!v || *v < 0 || *v > INT_MAX) {
        return fail(r, "expected an integer >= 1, or 0 for none declared");
      }
      cfg.cluster_size = static_cast<int>(*v);
    } else if (key == "election_delay") {
      if (const auto d = millis(r, 0)) cfg.election_delay = *d;
    } else if (key == "hook_timeout") {
      if (const auto d = millis(r, 1)) cfg.hook_timeout = *d;
    } else if (key == "heartbeat_interval") {
      if (const auto d = millis(r, 1)) cfg.heartbeat_interval = *d;
    } else if (key == "candidate" || key == "automatic_elections") {
      const auto v = as_bool(r);
      if (!v) return fail(r, "expected true or false");
      (key == "candidate" ? cfg.candidate_node : cfg.automatic_elections) = *v;
    } else if (key == "hooks_execution") {
      const auto v = as_string(r);
      const auto h = v ? elector::hooks_execution_from(*v) : std::nullopt;
      if (!h) return fail(r, "expected local or global");
      cfg.hooks_execution = *h;
    } else if (key == "pre_election_hook" || key == "post_election_hook") {
      const auto v = as_list(r, false);
      if (!v) return fail(r, "expected a shell command (a list of them in TOML)");
      for (const auto& cmd : *v) {
        if (trim(cmd).empty()) return fail(r, "expected a non-empty shell command");
      }
      (key == "pre_election_hook" ? cfg.pre_election_hooks : cfg.post_election_hooks) = *v;
    } else if (key == "log_format") {
      const auto v = as_string(r);
      if (v == "text") {
        s_.log_format = LogFormat::text;
      } else if (v == "json") {
        s_.log_format = LogFormat::json;
      } else {
        return fail(r, "expected text or json");
      }
    } else if (key == "log_level") {
      const auto v = as_string(r);
      const auto l = v ? level_from(*v) : std::nullopt;
      if (!l) return fail(r, "expected trace, debug, info, warn, error, critical or off");
      s_.log_level = *l;
    }
  }

  [[nodiscard]] const std::string& cookie_file() const { return cookie_file_; }
  [[nodiscard]] const std::string& control_token_file() const { return control_token_file_; }

 private:
  static bool has_space_or_control(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return std::isspace(u) != 0 || std::iscntrl(u) != 0;
    });
  }

  static std::optional<LogLevel> level_from(const std::string& s) {
    static const std::pair<const char*, LogLevel> kLevels[] = {
        {"trace", LogLevel::trace},       {"debug", LogLevel::debug},  {"info", LogLevel::info},
        {"warn", LogLevel::warn},         {"warning", LogLevel::warn}, {"error", LogLevel::error},
        {"critical", LogLevel::critical}, {"off", LogLevel::off}};
    for (const auto& [name, level] : kLevels) {
      if (s == name) return level;
    }
    return std::nullopt;
  }

  std::optional<elector::Duration> millis(const RawValue& r, std::int64_t min) {
    const auto v = as_int(r);
    if (!v || *v < min || *v > kMaxMs) {
      fail(r, "expected milliseconds, an integer from " + std::to_string(min) + " to " +
                  std::to_string(kMaxMs));
      return std::nullopt;
    }
    return elector::ms(*v);
  }

  void fail(const RawValue& r, const std::string& why) {
    errors_.push_back(bad_value(r.origin, display(r), why));
  }

  Settings& s_;
  std::vector<std::string>& errors_;
  std::string cookie_file_;
  std::string control_token_file_;
};

std::string strip_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// The contents of the file `path` that the setting from `origin` names, without trailing
/// newlines; nullopt with an error naming the setting and the path when it cannot be read.
std::optional<std::string> read_setting_file(const OptionsInput& in, const std::string& origin,
                                             const std::string& path,
                                             std::vector<std::string>& errors) {
  std::string err;
  const auto text = in.read_file(path, err);
  if (!text) {
    errors.push_back(std::string(kProgram) + ": cannot read " + origin + " \"" + path +
                     "\": " + err);
    return std::nullopt;
  }
  return strip_trailing_newlines(*text);
}

/// Fills settings.node.cookie from the highest-precedence source, or explains why it cannot.
void load_secret(const Values& values, const OptionsInput& in, const std::string& cookie_file,
                 Settings& s, std::vector<std::string>& errors) {
  const auto file_it = values.find("cookie_file");
  const auto env_it = in.env.find("ELECTOR_COOKIE");
  const bool env_secret = env_it != in.env.end() && !env_it->second.empty();
  const bool have_file = file_it != values.end() && !cookie_file.empty();

  bool use_file = have_file;
  if (have_file && env_secret) {
    if (file_it->second.layer == Layer::env) {
      errors.push_back(std::string(kProgram) +
                       ": both ELECTOR_COOKIE and ELECTOR_COOKIE_FILE are set; keep one");
      return;
    }
    // The environment beats the config file; the command line beats the environment.
    use_file = file_it->second.layer == Layer::cli;
  }

  if (use_file) {
    const std::string& origin = file_it->second.origin;
    const auto text = read_setting_file(in, origin, cookie_file, errors);
    if (!text) return;
    s.node.cookie = *text;
    if (s.node.cookie.empty()) {
      errors.push_back(
          bad_value(origin, cookie_file, "the file is empty; it must hold the cluster secret"));
      return;
    }
    s.secret_source = origin + " " + cookie_file;
  } else if (env_secret) {
    s.node.cookie = strip_trailing_newlines(env_it->second);
    if (s.node.cookie.empty()) {
      errors.push_back(std::string(kProgram) + ": ELECTOR_COOKIE holds only newlines");
      return;
    }
    s.secret_source = "ELECTOR_COOKIE";
  }

  if (s.node.cookie.empty() && !s.node.insecure) {
    errors.push_back(
        std::string(kProgram) +
        ": no cluster secret. Give every node of the cluster the same secret, either in a file "
        "(--cookie-file FILE, cookie_file in the config file, or ELECTOR_COOKIE_FILE) or in the "
        "environment variable ELECTOR_COOKIE. To run without authentication for a local "
        "experiment, pass --insecure.");
  } else if (!s.node.cookie.empty() && s.node.insecure) {
    s.warnings.push_back("insecure ignored: a cluster secret is set (" + s.secret_source +
                         "), messages are authenticated");
    s.node.insecure = false;
  }
}

/// Sets settings.node.state_file: the one given, else NAME.state in the state directory given or
/// in the default one.
void locate_state(const Values& values, const OptionsInput& in, Settings& s,
                  std::vector<std::string>& errors) {
  const auto file_it = values.find("state_file");
  const auto dir_it = values.find("state_dir");
  if (file_it != values.end()) {
    if (dir_it != values.end()) {
      s.warnings.push_back(dir_it->second.origin + " ignored: " + file_it->second.origin +
                           " names the state file itself");
    }
    s.state_file_given = true;
    const auto slash = s.node.state_file.rfind('/');
    s.state_dir = slash == std::string::npos ? "." : s.node.state_file.substr(0, slash);
    if (s.state_dir.empty()) s.state_dir = "/";
    return;
  }
  if (dir_it == values.end()) {
    const auto [dir, from] = default_state_dir(in.state_env);
    if (dir.empty()) {
      errors.push_back(std::string(kProgram) +
                       ": no state directory: HOME is not set and electord does not run as root; "
                       "give --state-dir DIR (or state_dir in the config file, or "
                       "ELECTOR_STATE_DIR)");
      return;
    }
    s.state_dir = dir;
    s.state_origin = "the default state directory (" + from + ")";
  }
  if (s.node.name.find('/') != std::string::npos || s.node.name == "." || s.node.name == "..") {
    const auto name_it = values.find("name");
    errors.push_back(bad_value(name_it != values.end() ? name_it->second.origin : "--name",
                               s.node.name,
                               "the state file is named after the node: give --state-file FILE "
                               "for a name that is not a file name"));
    return;
  }
  std::string dir = s.state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  s.node.state_file = (dir == "/" ? "" : dir) + "/" + s.node.name + ".state";
}

/// Fills settings.control_token from control_token_file, if one is given.
void load_control_token(const Values& values, const OptionsInput& in, const std::string& path,
                        Settings& s, std::vector<std::string>& errors) {
  const auto it = values.find("control_token_file");
  if (it == values.end() || path.empty()) return;
  const std::string& origin = it->second.origin;
  const auto text = read_setting_file(in, origin, path, errors);
  if (!text) return;
  s.control_token = *text;
  // Sent in a header field: no control characters or blanks, and long enough not to be guessed.
  const bool printable = std::all_of(s.control_token.begin(), s.control_token.end(),
                                     [](char c) { return c > ' ' && c != '\x7f'; });
  if (s.control_token.size() < 16 || !printable) {
    errors.push_back(bad_value(origin, path,
                               "the file must hold a token of at least 16 printable characters "
                               "without blanks"));
    s.control_token.clear();
  }
}

}  // namespace

OptionsResult load_options(const OptionsInput& in) {
  OptionsResult result;
  auto& errors = result.errors;

  // 1. The command line, kept as text: each value is checked below with a message naming it.
  CLI::App app{"electord: one member of an elector leader-election cluster, as a daemon.",
               kProgram};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string(kProgram) + " " + ELECTORD_VERSION);
  app.footer(
      "Every option can also be set in the TOML file (--config) under its snake_case name and in "
      "the environment as ELECTOR_<NAME> (e.g. ELECTOR_QUORUM_SIZE); the command line beats the "
      "environment, which beats the file. The secret itself can be given in ELECTOR_COOKIE.");
  std::map<std::string, std::string> cli_scalar;
  std::map<std::string, std::vector<std::string>> cli_list;
  std::map<std::string, CLI::Option*> cli_opts;
  bool insecure_flag = false;
  for (const auto& def : kKeys) {
    CLI::Option* opt = nullptr;
    const std::string help = std::string(def.help) + " [env " + env_name(def.key) + "]";
    if (std::string_view(def.key) == "insecure") {
      opt = app.add_flag(kebab(def.key), insecure_flag, help);
    } else if (def.kind == Kind::list || def.kind == Kind::hooks) {
      // Each occurrence takes one value; all occurrences are kept, in order.
      opt = app.add_option(kebab(def.key), cli_list[def.key], help)->type_name(def.value_name);
      opt->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    } else {
      opt = app.add_option(kebab(def.key), cli_scalar[def.key], help)->type_name(def.value_name);
    }
    cli_opts[def.key] = opt;
  }

  std::vector<std::string> argv_storage;
  argv_storage.reserve(in.args.size() + 1);
  argv_storage.emplace_back(kProgram);
  argv_storage.insert(argv_storage.end(), in.args.begin(), in.args.end());
  std::vector<const char*> argv;
  argv.reserve(argv_storage.size());
  for (const auto& a : argv_storage) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    result.output = app.help();
    if (result.output.back() != '\n') result.output += '\n';
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.output = std::string(e.what()) + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    errors.push_back(std::string(kProgram) + ": " + e.what() + " (see --help)");
    return result;
  }

  Values cli;
  for (const auto& def : kKeys) {
    CLI::Option* opt = cli_opts.at(def.key);
    if (opt->count() == 0) continue;
    RawValue r;
    r.layer = Layer::cli;
    r.textual = true;
    r.origin = kebab(def.key);
    if (std::string_view(def.key) == "insecure") {
      r.v = insecure_flag;
    } else if (def.kind == Kind::list || def.kind == Kind::hooks) {
      r.v = cli_list.at(def.key);
    } else {
      r.v = cli_scalar.at(def.key);
    }
    cli.emplace(def.key, std::move(r));
  }

  // 2. The environment. An empty variable counts as unset (shells and service managers often
  // pass empty ones).
  Values env;
  for (const auto& def : kKeys) {
    const auto it = in.env.find(env_name(def.key));
    if (it == in.env.end() || it->second.empty()) continue;
    RawValue r;
    r.layer = Layer::env;
    r.textual = true;
    r.origin = it->first;
    r.v = it->second;
    env.emplace(def.key, std::move(r));
  }

  // 3. The TOML file, named on the command line or in the environment.
  Values file;
  const RawValue* config_ref = nullptr;
  if (auto it = cli.find("config"); it != cli.end()) {
    config_ref = &it->second;
  } else if (auto eit = env.find("config"); eit != env.end()) {
    config_ref = &eit->second;
  }
  Settings settings;
  if (config_ref != nullptr) {
    const std::string path = display(*config_ref);
    if (path.empty()) {
      errors.push_back(bad_value(config_ref->origin, path, "expected a file name"));
      return result;
    }
    if (!load_toml(path, config_ref->origin, in.read_file, file, errors)) return result;
    settings.config_file = path;
  }

  // 4. Merge (file < environment < command line) and check every value.
  Values merged = file;
  for (const auto* layer : {&env, &cli}) {
    for (const auto& [k, v] : *layer) merged.insert_or_assign(k, v);
  }
  Applier applier(settings, errors);
  for (const auto& def : kKeys) {
    if (const auto it = merged.find(def.key); it != merged.end()) applier.apply(def, it->second);
  }
  for (const char* required : {"name", "listen"}) {
    if (merged.count(required) == 0) {
      errors.push_back(std::string(kProgram) + ": missing " + kebab(required) + " (or " + required +
                       " in the config file, or " + env_name(required) + ")");
    }
  }
  if (!errors.empty()) return result;

  load_secret(merged, in, applier.cookie_file(), settings, errors);
  load_control_token(merged, in, applier.control_token_file(), settings, errors);
  locate_state(merged, in, settings, errors);
  // A unix socket's address is gossiped as given ("unix:PATH").
  settings.node.control = settings.control_addr.host.rfind("unix:", 0) == 0
                              ? settings.control_addr.host
                              : format_host_port(settings.control_addr);

  // 5. The library's own checks (combinations, and keys this daemon does not expose).
  for (const auto& e : elector::validate(settings.node)) {
    const auto it = merged.find(e.key);
    const std::string origin = it != merged.end() ? it->second.origin : e.key;
    errors.push_back(bad_value(origin, e.value, e.message));
  }
  if (!errors.empty()) return result;
  result.settings = std::move(settings);
  return result;
}

}  // namespace electord
