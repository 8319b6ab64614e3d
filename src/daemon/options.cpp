#include "daemon/options.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "daemon/options_cli.hpp"
#include "daemon/options_files.hpp"
#include "daemon/options_keys.hpp"
#include "daemon/options_toml.hpp"
#include "daemon/options_values.hpp"

namespace elector::daemon {

const char* to_string(LogFormat f) {
  return f == LogFormat::json ? "json" : "text";
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

std::chrono::milliseconds events_keepalive(const Settings& s) {
  const auto d = s.events_keepalive > elector::Duration::zero() ? s.events_keepalive
                                                                : s.node.heartbeat_interval;
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(d));
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

/// The keys the environment sets. An empty variable counts as unset (shells and service
/// managers often pass empty ones).
Values environment_values(const std::map<std::string, std::string>& env) {
  Values values;
  for (const auto& key : option_keys()) {
    const auto it = env.find(env_name(key.name));
    if (it == env.end() || it->second.empty()) continue;
    RawValue r;
    r.layer = Layer::env;
    r.textual = true;
    r.origin = it->first;
    r.v = it->second;
    values.emplace(key.name, std::move(r));
  }
  return values;
}

/// Checks every merged value in the table's order and stores the good ones; one error per bad
/// one, naming where it came from.
void apply_keys(const Values& merged, KeyTarget& to, std::vector<std::string>& errors) {
  for (const auto& key : option_keys()) {
    const auto it = merged.find(key.name);
    if (it == merged.end()) continue;
    if (const auto why = key.apply(it->second, to)) {
      errors.push_back(bad_value(it->second.origin, display(it->second), why->text));
    }
  }
}

}  // namespace

OptionsResult load_options(const OptionsInput& in) {
  OptionsResult result;
  auto& errors = result.errors;

  // 1. The command line, kept as text: each value is checked below with a message naming it.
  const CommandLine cli = parse_command_line(in.args);
  if (cli.error) {
    errors.push_back(*cli.error);
    return result;
  }
  if (!cli.output.empty()) {
    result.output = cli.output;
    return result;
  }

  // 2. The environment.
  const Values env = environment_values(in.env);

  // 3. The TOML file, named on the command line or in the environment.
  Values file;
  const RawValue* config_ref = nullptr;
  if (auto it = cli.values.find("config"); it != cli.values.end()) {
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
  for (const auto* layer : {&env, &cli.values}) {
    for (const auto& [k, v] : *layer) merged.insert_or_assign(k, v);
  }
  KeyTarget target{settings, {}, {}};
  apply_keys(merged, target, errors);
  for (const char* required : {"name", "listen"}) {
    if (merged.count(required) == 0) {
      errors.push_back(std::string(kProgram) + ": missing " + flag_name(required) + " (or " +
                       required + " in the config file, or " + env_name(required) + ")");
    }
  }
  if (!errors.empty()) return result;

  if (const auto it = merged.find("event_log"); it != merged.end()) {
    settings.event_log_origin = it->second.origin;
  }
  load_secret(merged, in, target.cookie_file, settings, errors);
  load_control_token(merged, in, target.control_token_file, settings, errors);
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

}  // namespace elector::daemon
