// The scenario scripts' queries and conditions on the cluster's membership, messages and hooks
// (script.hpp lists them; script_internal.hpp declares them).
#include <algorithm>
#include <cstdio>

#include "sim/event_line.hpp"
#include "sim/script_internal.hpp"

namespace elector::sim::script_detail {

namespace {

std::string millis_text(Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lldms", static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  return buf;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s;
}

std::optional<core::MemberStatus> status_named(const std::string& s) {
  for (auto st : {core::MemberStatus::alive, core::MemberStatus::suspect, core::MemberStatus::dead,
                  core::MemberStatus::left}) {
    if (s == to_string(st)) return st;
  }
  return std::nullopt;
}

/// How `observer` sees `member` (nullopt: not in its view).
std::optional<core::MemberStatus> seen(Cluster& c, const std::string& observer,
                                       const std::string& member) {
  const core::Member* m = c.node(observer)->membership().find(member);
  if (!m) return std::nullopt;
  return m->status;
}

std::uint64_t count_of(const Cluster& c, const std::string& kind) {
  const Stats& s = c.stats();
  if (kind == "all") return s.messages;
  if (kind == "crash-signals") return s.crash_signals;
  if (kind == "datagrams") return s.datagrams;
  const auto it = s.by_kind.find(kind);
  return it == s.by_kind.end() ? 0 : it->second;
}

/// Each kind: how many were sent since the last `messages` (or since the start), and over a
/// second or more, how many per second and per node per second.
std::string messages(Cluster& c, const Args& a, QueryMarks& marks) {
  if (a.plain.empty()) throw ScriptError("messages needs a kind: heartbeat, vote, ..., all");
  std::string out;
  const Time from = marks.at;
  const double secs = std::chrono::duration<double>(c.now() - from).count();
  for (const auto& kind : a.plain) {
    const std::uint64_t now = count_of(c, kind);
    const std::uint64_t sent = now - marks.counts[kind];
    marks.counts[kind] = now;
    char rate[96] = "";
    if (secs >= 1) {
      std::snprintf(rate, sizeof rate, ": %.3f/s, %.3f per node per s",
                    static_cast<double>(sent) / secs,
                    static_cast<double>(sent) / secs / static_cast<double>(c.names().size()));
    }
    out += (out.empty() ? "" : "\n") + kind + " +" + std::to_string(sent) + " in " +
           millis_text(c.now() - from) + rate;
  }
  marks.at = c.now();
  return out;
}

std::string hooks(Cluster& c, QueryMarks& marks) {
  std::string out;
  const auto& runs = c.hook_runs();
  for (; marks.hooks_shown < runs.size(); ++marks.hooks_shown) {
    const HookRun& r = runs[marks.hooks_shown];
    const bool pre = r.request.phase == HookRequest::Phase::pre;
    out += (out.empty() ? "" : "\n") + ("t=" + sim_time(r.started)) + " " + r.node + " " +
           (pre ? "pre " : "post ") + r.command + " leader=" + r.request.leader.value_or("none") +
           " term=" + std::to_string(r.request.term) + " ran=" + millis_text(r.ended - r.started) +
           (r.killed ? " killed" : "");
  }
  return out.empty() ? "no hook runs" : out;
}

std::string view(Cluster& c, const Args& a) {
  const std::string observer = node_arg(c, "view", a, 0);
  if (!c.running(observer)) return observer + " down";
  if (a.plain.size() > 1) {
    const std::string member = node_arg(c, "view", a, 1);
    const auto st = seen(c, observer, member);
    return observer + " sees " + member + " " + (st ? to_string(*st) : "nowhere (not in view)");
  }
  std::map<core::MemberStatus, std::size_t> by;
  std::size_t known = 0;
  for (const auto& [name, m] : c.node(observer)->membership().members()) {
    ++by[m.status];
    ++known;
  }
  std::string out = observer + " knows " + std::to_string(known) + " of " +
                    std::to_string(c.names().size() - 1) + ":";
  for (auto st : {core::MemberStatus::alive, core::MemberStatus::suspect, core::MemberStatus::dead,
                  core::MemberStatus::left}) {
    out += std::string(" ") + to_string(st) + "=" + std::to_string(by[st]);
  }
  return out;
}

std::string probing(Cluster& c) {
  std::vector<std::string> yes, no;
  for (const auto& n : c.names()) {
    if (c.running(n)) (c.node(n)->membership().probing() ? yes : no).push_back(n);
  }
  const std::string head = "probing " + std::to_string(yes.size()) + " of " +
                           std::to_string(yes.size() + no.size()) + " running";
  if (yes.size() > no.size()) return head + "; all but " + (no.empty() ? "none" : joined(no));
  return head + ": " + (yes.empty() ? "none" : joined(yes));
}

std::string campaign(Cluster& c, const Args& a) {
  const std::string n = node_arg(c, "campaign", a, 0);
  if (!c.running(n)) return n + " down";
  const core::CampaignCounts& k = c.node(n)->election().campaign_counts();
  std::string ended;
  for (const auto& [round, outcomes] : k.ended) {
    for (const auto& [outcome, count] : outcomes) {
      ended += std::string(" ") + to_string(round) + ":" + to_string(outcome) + "=" +
               std::to_string(count);
    }
  }
  std::string refused;
  for (const auto& [why, count] : k.refusals) {
    refused += std::string(" ") + to_string(why) + "=" + std::to_string(count);
  }
  return n + " campaigns ended" + (ended.empty() ? " none" : ended) + "; refusals" +
         (refused.empty() ? " none" : refused);
}

std::string lease(Cluster& c, const Args& a) {
  const std::string n = node_arg(c, "lease", a, 0);
  if (!c.running(n)) return n + " down";
  core::NodeCore* core = c.node(n);
  const Time end = core->lease_end();
  const std::string at =
      end == kNever || end == Time{} ? "never" : "t=" + sim_time(c.clock(n).global(end));
  return n + " lease ends " + at + (core->is_leader(c.local_now(n)) ? ", valid" : ", not valid");
}

}  // namespace

std::string node_arg(Cluster& c, const std::string& cmd, const Args& a, std::size_t i) {
  if (a.plain.size() <= i) throw ScriptError(cmd + " needs a node name");
  const auto& names = c.names();
  if (std::find(names.begin(), names.end(), a.plain[i]) == names.end()) {
    throw ScriptError("no node \"" + a.plain[i] + "\"");
  }
  return a.plain[i];
}

bool cluster_option(Options& o, const std::string& key, const std::string& value) {
  if (key == "watchers") {
    o.base.heartbeat_watchers = static_cast<int>(number(key, value));
  } else if (key == "stagger") {
    o.start_stagger = millis(key, value);
  } else if (key == "pre-hooks") {
    o.pre_election_hooks = split(value, ',');
  } else if (key == "post-hooks") {
    o.post_election_hooks = split(value, ',');
  } else if (key == "hook-timeout") {
    o.base.hook_timeout = millis(key, value);
  } else if (key == "hooks") {
    const auto h = hooks_execution_from(value);
    if (!h) throw ScriptError("hooks is local or global, not \"" + value + "\"");
    o.base.hooks_execution = *h;
  } else if (key == "crash-signal-to") {
    const auto hear = split(value, ',');
    o.crash_signal_delay = [hear](const std::string& peer) -> std::optional<Duration> {
      if (std::find(hear.begin(), hear.end(), peer) != hear.end()) return Duration::zero();
      return std::nullopt;
    };
  } else {
    return false;
  }
  return true;
}

std::optional<std::string> run_query(Cluster& c, const std::string& cmd, const Args& a,
                                     QueryMarks& marks) {
  if (cmd == "messages") return messages(c, a, marks);
  if (cmd == "hooks") return hooks(c, marks);
  if (cmd == "view") return view(c, a);
  if (cmd == "probing") return probing(c);
  if (cmd == "campaign") return campaign(c, a);
  if (cmd == "lease") return lease(c, a);
  if (cmd == "connected") {
    const std::string n = node_arg(c, cmd, a, 0);
    const auto peers = c.connected(n);
    return n + " connected to " + std::to_string(peers.size()) +
           (peers.empty() ? "" : ": " + joined(peers));
  }
  if (cmd == "leaders") {
    const auto now = c.leaders_now();
    return "leaders now: " + (now.empty() ? std::string("none") : joined(now)) +
           "; acquisitions=" + std::to_string(c.acquisitions());
  }
  if (cmd == "hang-hooks") {
    const std::string n = node_arg(c, cmd, a, 0);
    if (a.plain.size() < 2 || (a.plain[1] != "on" && a.plain[1] != "off")) {
      throw ScriptError("hang-hooks NAME on|off");
    }
    c.hang_hooks(n, a.plain[1] == "on");
    return "ok";
  }
  return std::nullopt;
}

std::optional<std::pair<std::function<bool()>, std::string>> query_condition(Cluster& c,
                                                                             const Args& a) {
  const auto named = [&](const std::string& name) {
    return node_arg(c, "run-until", Args{{}, {name}}, 0);
  };
  if (a.kv.count("probing")) {
    const std::string n = named(a.kv.at("probing"));
    return std::make_pair(std::function<bool()>([&c, n] {
                            return c.running(n) && c.node(n)->membership().probing();
                          }),
                          n + " probing");
  }
  if (!a.kv.count("member")) return std::nullopt;
  const auto parts = split(a.kv.at("member"), ':');
  const auto st = parts.size() == 2 ? status_named(parts[1]) : std::nullopt;
  if (!st) throw ScriptError("run-until member=NAME:alive|suspect|dead|left [by=NAME]");
  const std::string member = named(parts[0]);
  std::vector<std::string> observers;
  if (a.kv.count("by")) {
    observers.push_back(named(a.kv.at("by")));
  } else {
    for (const auto& n : c.names()) {
      if (n != member) observers.push_back(n);
    }
  }
  const std::string words =
      member + " " + parts[1] + (a.kv.count("by") ? " to " + observers[0] : " to every other node");
  return std::make_pair(std::function<bool()>([&c, member, observers, s = *st] {
                          for (const auto& o : observers) {
                            // A node that is down holds no view to wait for.
                            if (c.running(o) && seen(c, o, member) != s) return false;
                          }
                          return true;
                        }),
                        words);
}

}  // namespace elector::sim::script_detail
