#include "sim/script.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "sim/event_line.hpp"
#include "sim/script_internal.hpp"

namespace elector::sim {

namespace script_detail {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::int64_t number(const std::string& key, const std::string& text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    throw ScriptError(key + " wants a non-negative whole number, not \"" + text + "\"");
  }
  return v;
}

Duration millis(const std::string& key, const std::string& text) {
  const auto dot = text.find('.');
  if (dot == std::string::npos) return ms(number(key, text));
  std::string frac = text.substr(dot + 1);
  if (dot == 0 || frac.empty() || frac.size() > 3) {
    throw ScriptError(key + " wants milliseconds with up to three decimals, not \"" + text + "\"");
  }
  frac.resize(3, '0');
  return ms(number(key, text.substr(0, dot))) + std::chrono::microseconds(number(key, frac));
}

}  // namespace script_detail

using namespace script_detail;

namespace {

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Args args_of(const std::vector<std::string>& words) {
  Args a;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) {
      a.plain.push_back(words[i]);
    } else {
      a.kv[words[i].substr(0, eq)] = words[i].substr(eq + 1);
    }
  }
  return a;
}

double probability(const std::string& text) {
  std::size_t used = 0;
  double p = -1;
  try {
    p = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || p < 0 || p > 1) {
    throw ScriptError("a probability is between 0 and 1, not \"" + text + "\"");
  }
  return p;
}

const char* outcome_name(core::ElectOutcome o) {
  switch (o) {
    case core::ElectOutcome::started:
      return "started";
    case core::ElectOutcome::quorum_not_met:
      return "quorum_not_met";
    case core::ElectOutcome::stopped:
      return "stopped";
  }
  return "?";
}

}  // namespace

std::vector<ScriptCase> parse_script(const std::string& text) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  std::vector<ScriptCase> cases;
  std::string preamble;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      preamble += l + "\n";
      continue;
    }
    ScriptCase c;
    c.preamble = preamble;
    preamble.clear();
    c.command = l;
    c.line = static_cast<int>(i + 1);
    if (i + 1 >= lines.size() || lines[i + 1] != "----") {
      throw std::invalid_argument("line " + std::to_string(i + 1) + ": \"" + l +
                                  "\" is not followed by a line \"----\"");
    }
    i += 2;
    std::vector<std::string> out;
    for (; i < lines.size() && !lines[i].empty(); ++i) out.push_back(lines[i]);
    for (std::size_t k = 0; k < out.size(); ++k) c.expected += (k ? "\n" : "") + out[k];
    cases.push_back(std::move(c));
    if (i < lines.size()) preamble += "\n";  // the empty line that ended the output
  }
  // Trailing comments belong to no case: keep them on a last case's preamble would reorder them,
  // so a file ends with its last output.
  return cases;
}

std::string render_script(const std::vector<ScriptCase>& cases,
                          const std::vector<std::string>& outputs) {
  std::string s;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string pre = cases[i].preamble;
    // The empty line that separates a case from the previous one is written below.
    if (i > 0 && !pre.empty() && pre[0] == '\n') pre.erase(0, 1);
    if (i > 0) s += "\n";
    s += pre + cases[i].command + "\n----\n" + outputs.at(i) + "\n";
  }
  return s;
}

Script::Script() : marks_(std::make_unique<QueryMarks>()) {}
Script::~Script() = default;

Cluster& Script::cluster() {
  if (!cluster_) throw ScriptError("no cluster yet: start the script with `cluster nodes=N`");
  return *cluster_;
}

std::string Script::when() const {
  return "t=" + sim_time(cluster_->now());
}

std::string Script::run(const std::string& command_line) {
  const auto words = words_of(command_line);
  if (words.empty()) return "error: an empty command";
  try {
    std::string out = run_words(words);
    return out.empty() ? "ok" : out;
  } catch (const ScriptError& e) {
    return std::string("error: ") + e.what();
  }
}

std::string Script::run_words(const std::vector<std::string>& words) {
  const std::string& cmd = words[0];
  const Args a = args_of(words);
  const auto node_arg = [&](std::size_t i) {
    return script_detail::node_arg(cluster(), cmd, a, i);
  };

  if (cmd == "cluster") {
    Options o;
    o.nodes = static_cast<int>(number("nodes", a.kv.count("nodes") ? a.kv.at("nodes") : ""));
    if (o.nodes < 1) throw ScriptError("nodes must be at least 1");
    if (a.kv.count("seed")) o.seed = static_cast<std::uint64_t>(number("seed", a.kv.at("seed")));
    if (a.kv.count("quorum")) {
      o.base.quorum_size = static_cast<int>(number("quorum", a.kv.at("quorum")));
    }
    if (a.kv.count("strategy")) o.base.strategy = a.kv.at("strategy");
    if (a.kv.count("election-delay")) {
      o.base.election_delay = ms(number("election-delay", a.kv.at("election-delay")));
    }
    if (a.kv.count("heartbeat")) {
      o.base.heartbeat_interval = ms(number("heartbeat", a.kv.at("heartbeat")));
    }
    if (a.kv.count("cluster-size")) {
      o.base.cluster_size = static_cast<int>(number("cluster-size", a.kv.at("cluster-size")));
    }
    if (a.kv.count("non-candidates")) {
      const auto observers = split(a.kv.at("non-candidates"), ',');
      o.per_node = [observers](Config& cfg) {
        cfg.candidate_node =
            std::find(observers.begin(), observers.end(), cfg.name) == observers.end();
      };
    }
    for (const auto& entry : a.kv) {
      static const char* known[] = {"nodes",        "seed",           "quorum",
                                    "strategy",     "election-delay", "heartbeat",
                                    "cluster-size", "non-candidates", "trace"};
      const std::string& key = entry.first;
      if (std::none_of(std::begin(known), std::end(known),
                       [&](const char* n) { return key == n; }) &&
          !cluster_option(o, key, entry.second)) {
        throw ScriptError("cluster has no option \"" + key + "\"");
      }
    }
    const std::string trace = a.kv.count("trace") ? a.kv.at("trace") : "on";
    if (trace != "on" && trace != "off") {
      throw ScriptError("trace is on or off, not \"" + trace + "\"");
    }
    const bool tracing = trace == "on";
    cluster_ = std::make_unique<Cluster>(o);
    cluster_->set_tracing(tracing);
    traced_ = 0;
    marks_ = std::make_unique<QueryMarks>();
    marks_->at = cluster_->now();
    return "ok";
  }
  Cluster& c = cluster();
  if (cmd == "start") {
    if (a.plain.empty()) {
      c.start_all();
    } else {
      for (std::size_t i = 0; i < a.plain.size(); ++i) c.start(node_arg(i));
    }
  } else if (cmd == "crash") {
    c.crash(node_arg(0), !(a.kv.count("signal") && a.kv.at("signal") == "false"));
  } else if (cmd == "restart") {
    const bool lose = a.plain.size() > 1 && a.plain[1] == "lose-state";
    c.restart(node_arg(0), lose);
  } else if (cmd == "stop") {
    c.stop(node_arg(0));
  } else if (cmd == "freeze") {
    c.freeze(node_arg(0));
  } else if (cmd == "thaw") {
    c.thaw(node_arg(0));
  } else if (cmd == "partition") {
    std::vector<std::vector<std::string>> groups;
    for (const auto& g : a.plain) groups.push_back(split(g, ','));
    if (groups.size() < 2) throw ScriptError("partition needs two groups or more");
    c.partition(groups);
  } else if (cmd == "heal") {
    c.heal();
  } else if (cmd == "loss") {
    if (a.plain.empty()) throw ScriptError("loss needs a probability");
    c.set_loss(probability(a.plain[0]));
  } else if (cmd == "disk-full") {
    const std::string n = node_arg(0);
    if (a.plain.size() < 2 || (a.plain[1] != "on" && a.plain[1] != "off")) {
      throw ScriptError("disk-full NAME on|off");
    }
    c.set_disk_full(n, a.plain[1] == "on");
  } else if (cmd == "elect") {
    return outcome_name(c.elect(node_arg(0)));
  } else if (cmd == "clear-leader") {
    c.clear_leader(node_arg(0));
  } else if (cmd == "run-for") {
    if (a.plain.empty()) throw ScriptError("run-for needs a number of milliseconds");
    c.run_for(ms(number("run-for", a.plain[0])));
    return when();
  } else if (cmd == "run-until") {
    const Duration limit = ms(a.kv.count("limit") ? number("limit", a.kv.at("limit")) : 10000);
    const Duration every = a.kv.count("check-every") ? millis("check-every", a.kv.at("check-every"))
                                                     : Duration::zero();
    if (auto q = query_condition(c, a)) {
      if (!c.run_until(q->first, limit, every)) return when() + " not reached: " + q->second;
      return when() + " " + q->second;
    }
    std::string want;
    std::function<bool()> pred;
    const std::string what = a.kv.count("agreed") ? "agreed" : a.plain.empty() ? "" : a.plain[0];
    if (what == "agreed") {
      pred = [&] { return c.agreed_leader().has_value(); };
    } else if (what == "no-leader") {
      pred = [&] { return c.leaders_now().empty(); };
    } else {
      throw ScriptError(
          "run-until agreed[=NAME] | no-leader | member=NAME:STATUS [by=NAME] | probing=NAME "
          "[limit=MS] [check-every=MS]");
    }
    if (a.kv.count("agreed")) {
      want = a.kv.at("agreed");
      pred = [&] {
        const auto l = c.agreed_leader();
        return l && *l == want;
      };
    }
    const bool held = c.run_until(pred, limit, every);
    if (!held) return when() + " not reached: " + what + (want.empty() ? "" : "=" + want);
    if (what == "no-leader") return when() + " no leader";
    const std::string l = *c.agreed_leader();
    return when() + " agreed on " + l + " term=" + std::to_string(c.node(l)->term());
  } else if (cmd == "trace") {
    std::string out;
    const auto& t = c.trace();
    for (; traced_ < t.size(); ++traced_) {
      const auto& e = t[traced_];
      out += std::string(out.empty() ? "" : "\n") + "t=" + sim_time(e.at) + " " + e.node + "#" +
             std::to_string(e.boot) + " " + event_line(e.event);
    }
    return out.empty() ? "no events" : out;
  } else if (cmd == "status") {
    std::string out;
    for (const auto& name : c.names()) {
      out += out.empty() ? "" : "\n";
      core::NodeCore* n = c.node(name);
      if (!n || !c.running(name)) {
        out += name + " down";
        continue;
      }
      out += name + " " + to_string(n->role()) + " term=" + std::to_string(n->term()) +
             " leader=" + n->leader().value_or("none") + (c.frozen(name) ? " frozen" : "");
    }
    return out;
  } else if (cmd == "invariants") {
    std::string out;
    for (const auto& v : c.invariants().violations()) out += (out.empty() ? "" : "\n") + v;
    return out.empty() ? "ok" : out;
  } else if (auto out = run_query(c, cmd, a, *marks_)) {
    return *out;
  } else {
    throw ScriptError("unknown command \"" + cmd + "\"");
  }
  return "ok";
}

}  // namespace elector::sim
