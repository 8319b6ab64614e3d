// The parsing of electord's setting values: a value as one source gave it (RawValue), and the
// checks that turn it into what a key holds, or into the reason it is wrong.
//
// The command line and the environment give text (parsed here: "3", "true", "h:1,h:2"); the TOML
// file gives typed values, which must already have the key's type (quorum_size = "3" is an
// error). Every reason reads "expected ..."; bad_value() makes it a line naming the source.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/host_port.hpp"
#include "daemon/options.hpp"
#include "elector/log.hpp"
#include "elector/node.hpp"

namespace elector::daemon {

/// The program name that starts every message.
inline constexpr const char* kProgram = "electord";

/// The sources of a value, in increasing precedence.
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

/// Each key's value from one source, or from all of them merged; keyed by the snake_case name.
using Values = std::map<std::string, RawValue, std::less<>>;

/// The value as the user wrote it, for messages (a list joined with commas).
std::string display(const RawValue& r);

/// "electord: bad value for ORIGIN: "VALUE" (WHY)".
std::string bad_value(const std::string& origin, const std::string& value, const std::string& why);

/// Why a value is bad: "expected ...".
struct Why {
  std::string text;
};

/// A checked value of type T, or why there is none.
template <class T>
using Parsed = std::variant<T, Why>;

/// The control API's address: HOST:PORT, or unix:PATH (then `addr.host` is the whole text and
/// `addr.port` 0).
struct ControlAddress {
  std::string text;
  HostPort addr;
};

// The checks of the key table (options_keys.cpp), one per kind of value; each says what it
// expects when the value does not fit.
Parsed<std::string> parse_name(const RawValue& r);
Parsed<std::string> parse_listen(const RawValue& r);
Parsed<std::string> parse_advertise(const RawValue& r);
Parsed<std::vector<std::string>> parse_seeds(const RawValue& r);
Parsed<ControlAddress> parse_control(const RawValue& r);
/// Any string, the empty one included (it unsets the file).
Parsed<std::string> parse_file_name(const RawValue& r);
/// A file name that cannot be a directory: not empty, not ending in '/'.
Parsed<std::string> parse_state_file(const RawValue& r);
Parsed<std::string> parse_directory(const RawValue& r);
Parsed<bool> parse_bool(const RawValue& r);
Parsed<std::string> parse_strategy(const RawValue& r);
Parsed<std::int64_t> parse_integer(const RawValue& r);
Parsed<int> parse_quorum_size(const RawValue& r);
Parsed<int> parse_cluster_size(const RawValue& r);
Parsed<elector::HooksExecution> parse_hooks_execution(const RawValue& r);
/// Shell commands: one per occurrence on the command line, a list of them in TOML; a command is
/// never split at commas.
Parsed<std::vector<std::string>> parse_hooks(const RawValue& r);
Parsed<LogFormat> parse_log_format(const RawValue& r);
/// A level's name (elector::to_string), or "warning".
Parsed<elector::LogLevel> parse_log_level(const RawValue& r);

/// Checks milliseconds from `min` to the longest duration a key may hold.
std::function<Parsed<elector::Duration>(const RawValue&)> parse_millis(std::int64_t min);

}  // namespace elector::daemon
