// electord's settings: the node's configuration plus the daemon's own (control API, logs, hooks).
//
// Sources, in increasing precedence: built-in defaults < TOML file (`--config FILE.toml`, keys in
// snake_case) < environment (`ELECTOR_<KEY>`, plus `ELECTOR_COOKIE` for the secret itself) <
// command line (kebab-case). `load_options` is a pure function of its input (argument vector,
// environment map, file reader) so that every rule can be unit-tested; main() turns the errors it
// returns into exit code 2.
//
// The parts: every key is one row of the key table (options_keys.hpp), which the command line
// and its --help (options_cli.hpp), the environment and the TOML file (options_toml.hpp) read;
// options_values.hpp checks the values, options_files.hpp reads the files they name (secret,
// control token) and locates the state file.
//
// Thread safety: load_options has no shared state; call it from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/host_port.hpp"
#include "elector/log.hpp"
#include "elector/node.hpp"

namespace elector::daemon {

enum class LogFormat { text, json };

const char* to_string(LogFormat f);

struct Settings {
  /// Everything elector::Node needs, secret included.
  elector::NodeConfig node;

  /// The control API's address as given (HOST:PORT).
  std::string control = "127.0.0.1:7947";
  HostPort control_addr{"127.0.0.1", 7947};
  /// What a client on another host must send to the control API; empty: such clients are
  /// refused (control_access.hpp).
  std::string control_token;

  /// Where the settings came from (empty when no file was read).
  std::string config_file;
  /// Where the secret came from, for the start line: "--cookie-file /x", "ELECTOR_COOKIE", ...
  /// Empty when running insecure.
  std::string secret_source;

  /// The shell commands run before and after each election (hook_runner.hpp), in order.
  std::vector<std::string> pre_election_hooks;
  std::vector<std::string> post_election_hooks;

  std::string event_log;
  /// How often an idle event stream gets a keep-alive comment; zero: every heartbeat_interval.
  elector::Duration events_keepalive{};
  /// Where event_log came from, for messages: "--event-log", "ELECTOR_EVENT_LOG", "event_log in
  /// node.toml". Empty when it was not given.
  std::string event_log_origin;
  /// The node's state file is `node.state_file`: DIR/NAME.state in the state directory, or the
  /// file state_file names. `state_origin` says where that came from, for messages:
  /// "--state-dir", "state_dir in node.toml", "--state-file", "the default state directory
  /// ($HOME)".
  std::string state_dir;
  std::string state_origin;
  /// True when state_file was given (state_dir is then its directory).
  bool state_file_given = false;
  LogFormat log_format = LogFormat::text;
  elector::LogLevel log_level = elector::LogLevel::info;

  /// Things worth a warning once logging is set up (e.g. a secret given with --insecure).
  std::vector<std::string> warnings;
};

/// What the default state directory depends on: the first of $STATE_DIRECTORY (set by systemd's
/// StateDirectory=), /var/lib/elector when running as root, $XDG_STATE_HOME/elector, and
/// $HOME/.local/state/elector.
struct StateDirEnv {
  std::string state_directory;
  std::string xdg_state_home;
  std::string home;
  bool root = false;
  /// This process's environment and effective user.
  static StateDirEnv of_process();
};

/// The default state directory and what it derives from ("$STATE_DIRECTORY", "root", ...); an
/// empty directory when there is none (no usable variable and not root).
std::pair<std::string, std::string> default_state_dir(const StateDirEnv& env);

/// Reads a whole file. Returns nullopt and sets `error` (e.g. "No such file or directory") when
/// it cannot.
using FileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string& error)>;

/// The real file system.
std::optional<std::string> read_whole_file(const std::string& path, std::string& error);

struct OptionsInput {
  /// Command-line arguments without the program name.
  std::vector<std::string> args;
  /// The environment; only ELECTOR_* entries matter. An entry set to "" counts as unset.
  std::map<std::string, std::string> env;
  FileReader read_file = read_whole_file;
  /// For the default state directory.
  StateDirEnv state_env = StateDirEnv::of_process();
};

struct OptionsResult {
  /// Set when the daemon should run with these settings.
  std::optional<Settings> settings;
  /// One line per problem, each starting with "electord: " and naming the key and the value.
  /// Non-empty means: print them to stderr and exit with code 2.
  std::vector<std::string> errors;
  /// Text that --help or --version asked for: print it to stdout and exit with code 0.
  std::string output;
};

/// Builds the settings from defaults, the TOML file, the environment and the command line,
/// reads the secret, and checks everything (including elector::validate).
OptionsResult load_options(const OptionsInput& in);

/// The keep-alive period of the control API's event streams: events_keepalive, else the
/// heartbeat period T (whole milliseconds, at least 1), so that a client that hears nothing for
/// about 2T knows the stream is dead.
std::chrono::milliseconds events_keepalive(const Settings& s);

/// The ELECTOR_* entries of a process environment (`environ`).
std::map<std::string, std::string> elector_environment(char** envp);

}  // namespace elector::daemon
