// What script.cpp and script_queries.cpp share: a command's arguments, its errors, and the
// commands that look into the cluster (the queries) and the conditions `run-until` waits for.
// Internal to the scenario scripts (script.hpp); one thread uses them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/cluster.hpp"

namespace elector::sim::script_detail {

/// A command's mistake: Script::run() returns it as "error: ...".
struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A command's `key=value` arguments, and the others in order.
struct Args {
  std::map<std::string, std::string> kv;
  std::vector<std::string> plain;
};

std::vector<std::string> split(const std::string& s, char sep);
/// A non-negative whole number; throws ScriptError naming `key`.
std::int64_t number(const std::string& key, const std::string& text);
/// Milliseconds with up to three decimals ("0.5" is 500 us); throws ScriptError naming `key`.
Duration millis(const std::string& key, const std::string& text);

/// The `i`th plain argument, which must name a node of `c`; throws ScriptError naming `cmd`.
std::string node_arg(Cluster& c, const std::string& cmd, const Args& a, std::size_t i);

/// What the queries remember between two calls: the counts and the instant of the last
/// `messages`, and how many hook runs `hooks` has printed.
struct QueryMarks {
  std::map<std::string, std::uint64_t> counts;
  Time at{};
  std::size_t hooks_shown = 0;
};

/// Sets the cluster options that are not about the election's basics (watchers, start stagger,
/// hooks, crash signals); false if `key` is none of them.
bool cluster_option(Options& o, const std::string& key, const std::string& value);
/// Runs a query command (`messages`, `hooks`, `view`, `probing`, `connected`, `leaders`,
/// `lease`, `campaign`, `hang-hooks`); nullopt if `cmd` is none of them.
std::optional<std::string> run_query(Cluster& c, const std::string& cmd, const Args& a,
                                     QueryMarks& marks);
/// The condition of `run-until member=NAME:STATUS [by=NAME]` or `run-until probing=NAME`, and
/// the words that report it held; nullopt if `a` names neither.
std::optional<std::pair<std::function<bool()>, std::string>> query_condition(Cluster& c,
                                                                             const Args& a);

}  // namespace elector::sim::script_detail
