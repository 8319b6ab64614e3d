#include "daemon/options_keys.hpp"

#include <cctype>
#include <utility>
#include <variant>

namespace elector::daemon {

namespace {

/// A row's ApplyValue: `parse` checks the value, `set` stores what it gives.
template <class Parse, class Set>
ApplyValue checked(Parse parse, Set set) {
  return [parse, set](const RawValue& r, KeyTarget& to) -> std::optional<Why> {
    auto parsed = parse(r);
    if (auto* why = std::get_if<Why>(&parsed)) return std::move(*why);
    set(to, std::move(std::get<0>(parsed)));
    return std::nullopt;
  };
}

using Strings = std::vector<std::string>;

/// Each row: the key, how the command line takes it, its placeholder and text in --help, and
/// checked(how its value is parsed, where the value goes).
std::vector<OptionKey> make_keys() {
  return {
      {"name", Shape::value, "NAME", "This node's name, unique in the cluster (required)",
       checked(parse_name,
               [](KeyTarget& t, std::string v) { t.settings.node.name = std::move(v); })},
      {"listen", Shape::value, "HOST:PORT", "Address the cluster reaches this node at (required)",
       checked(parse_listen,
               [](KeyTarget& t, std::string v) { t.settings.node.listen = std::move(v); })},
      {"advertise", Shape::value, "HOST:PORT",
       "Address the members are told to reach this node at, when it is not --listen (which "
       "binds 0.0.0.0, or sits behind NAT); port 0: the listen port. Default: --listen",
       checked(parse_advertise,
               [](KeyTarget& t, std::string v) { t.settings.node.advertise = std::move(v); })},
      {"seeds", Shape::list, "HOST:PORT,...",
       "Addresses of members to join through (repeatable); a name's every A/AAAA record, "
       "srv:NAME every SRV record",
       checked(parse_seeds, [](KeyTarget& t, Strings v) { t.settings.node.seeds = std::move(v); })},
      {"control", Shape::value, "HOST:PORT|unix:PATH",
       "Address of the local HTTP/JSON control API (default 127.0.0.1:7947; port 0: any free one; "
       "unix:PATH: a unix socket, mode 0600)",
       checked(parse_control,
               [](KeyTarget& t, ControlAddress v) {
                 t.settings.control = std::move(v.text);
                 t.settings.control_addr = std::move(v.addr);
               })},
      {"config", Shape::value, "FILE.toml", "Read settings from this TOML file",
       checked(parse_file_name,
               [](KeyTarget& t, std::string v) { t.settings.config_file = std::move(v); }),
       false},
      {"control_token_file", Shape::value, "FILE",
       "File holding the token that admits clients of other hosts to the control API "
       "(Authorization: Bearer); without it only this host's clients are answered",
       checked(parse_file_name,
               [](KeyTarget& t, std::string v) { t.control_token_file = std::move(v); })},
      {"cookie_file", Shape::value, "FILE",
       "File holding the cluster secret (or the secret itself in ELECTOR_COOKIE)",
       checked(parse_file_name, [](KeyTarget& t, std::string v) { t.cookie_file = std::move(v); })},
      {"insecure", Shape::flag, "",
       "Run without a cluster secret (messages not authenticated): local experiments only",
       checked(parse_bool, [](KeyTarget& t, bool v) { t.settings.node.insecure = v; })},
      {"strategy", Shape::value, "STRATEGY",
       "uptime_high (default), uptime_low, runtime_high, runtime_low or priority",
       checked(parse_strategy,
               [](KeyTarget& t, std::string v) { t.settings.node.strategy = std::move(v); })},
      {"priority", Shape::value, "N", "Priority under the priority strategy (1 is the best)",
       checked(parse_integer, [](KeyTarget& t, std::int64_t v) { t.settings.node.priority = v; })},
      {"election_delay", Shape::value, "MS",
       "Delay before an automatic election (ms, default 1000)",
       checked(parse_millis(0),
               [](KeyTarget& t, elector::Duration v) { t.settings.node.election_delay = v; })},
      {"quorum_size", Shape::value, "N",
       "Members (self included) that must back a leader (default 0: a majority of the cluster; "
       "half the cluster or less is availability mode)",
       checked(parse_quorum_size, [](KeyTarget& t, int v) { t.settings.node.quorum_size = v; })},
      {"cluster_size", Shape::value, "N",
       "The number of voters the cluster is meant to have, whose majority the default quorum needs "
       "from the first second (default 0: none declared)",
       checked(parse_cluster_size, [](KeyTarget& t, int v) { t.settings.node.cluster_size = v; })},
      {"candidate", Shape::value, "true|false",
       "Whether this node may become leader (default true)",
       checked(parse_bool, [](KeyTarget& t, bool v) { t.settings.node.candidate_node = v; })},
      {"hooks_execution", Shape::value, "local|global",
       "Run hooks only on the node running the election (local, default) or on every node",
       checked(
           parse_hooks_execution,
           [](KeyTarget& t, elector::HooksExecution v) { t.settings.node.hooks_execution = v; })},
      {"automatic_elections", Shape::value, "true|false",
       "Elect on start, join and leave (default true)",
       checked(parse_bool, [](KeyTarget& t, bool v) { t.settings.node.automatic_elections = v; })},
      {"pre_election_hook", Shape::list, "CMD", "Shell command run before an election (repeatable)",
       checked(parse_hooks,
               [](KeyTarget& t, Strings v) { t.settings.pre_election_hooks = std::move(v); })},
      {"post_election_hook", Shape::list, "CMD", "Shell command run after an election (repeatable)",
       checked(parse_hooks,
               [](KeyTarget& t, Strings v) { t.settings.post_election_hooks = std::move(v); })},
      {"hook_timeout", Shape::value, "MS",
       "A hook still running after this is killed (default 1000)",
       checked(parse_millis(1),
               [](KeyTarget& t, elector::Duration v) { t.settings.node.hook_timeout = v; })},
      {"heartbeat_interval", Shape::value, "MS",
       "Leader heartbeat period T; the leader is lost after 4T (default 100)",
       checked(parse_millis(1),
               [](KeyTarget& t, elector::Duration v) { t.settings.node.heartbeat_interval = v; })},
      {"event_log", Shape::value, "FILE", "Append one JSON object per event to this file",
       checked(parse_file_name,
               [](KeyTarget& t, std::string v) { t.settings.event_log = std::move(v); })},
      {"events_keepalive", Shape::value, "MS",
       "A keep-alive comment on an idle event stream (GET /v1/events) this often (default: "
       "heartbeat_interval, so that a client notices a dead stream within about 2T)",
       checked(parse_millis(1),
               [](KeyTarget& t, elector::Duration v) { t.settings.events_keepalive = v; })},
      {"log_format", Shape::value, "text|json", "Log format on stderr (default text)",
       checked(parse_log_format, [](KeyTarget& t, LogFormat v) { t.settings.log_format = v; })},
      {"log_level", Shape::value, "LEVEL",
       "trace, debug, info (default), warn, error, critical or off",
       checked(parse_log_level,
               [](KeyTarget& t, elector::LogLevel v) { t.settings.log_level = v; })},
      {"state_dir", Shape::value, "DIR",
       "Directory of this node's state file, DIR/NAME.state (default: $STATE_DIRECTORY, else "
       "/var/lib/elector as root, else $XDG_STATE_HOME/elector or ~/.local/state/elector)",
       checked(parse_directory,
               [](KeyTarget& t, std::string v) { t.settings.state_dir = std::move(v); })},
      {"state_file", Shape::value, "FILE",
       "This node's state file itself, instead of one in the state directory",
       checked(parse_state_file,
               [](KeyTarget& t, std::string v) { t.settings.node.state_file = std::move(v); })},
  };
}

}  // namespace

const std::vector<OptionKey>& option_keys() {
  static const std::vector<OptionKey> keys = make_keys();
  return keys;
}

const OptionKey* find_key(std::string_view name) {
  for (const auto& k : option_keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string flag_name(std::string_view key) {
  std::string s = "--";
  for (const char c : key) s += c == '_' ? '-' : c;
  return s;
}

std::string env_name(std::string_view key) {
  std::string s = "ELECTOR_";
  for (const char c : key) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace elector::daemon
