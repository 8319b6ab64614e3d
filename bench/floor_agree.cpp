// elector-bench-floor agree: follows the event logs until every one names the same leader, and
// reports the instant of agreement taken from the logs' t_mono_ns, never from the poll.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "floor.hpp"

namespace elector::bench_floor {
namespace {

using json = nlohmann::json;

struct Follow {
  std::string path;
  std::string node;  // from the lines; the file name until a line is seen
  std::uint64_t offset = 0;
  std::string partial;
  bool seen = false;                  // a leader_changed at or after --since
  std::optional<std::string> leader;  // as of its last leader_changed
  std::int64_t since_ns = 0;          // when it began naming `leader`
  std::int64_t first_ns = 0;          // its first leader_changed at or after --since
  std::int64_t term = 0;
  int changes = 0;  // leader_changed events at or after --since
};

void consume_lines(Follow& f, std::int64_t since);

void read_new(Follow& f, std::int64_t since) {
  std::ifstream in(f.path, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  const auto end = static_cast<std::uint64_t>(in.tellg());
  if (end < f.offset) f.offset = 0;  // truncated: a new record
  in.seekg(static_cast<std::streamoff>(f.offset));
  // In slices, so that a thousand long logs do not all sit in memory at once.
  constexpr std::uint64_t kSlice = 1 << 20;
  while (f.offset < end) {
    std::string chunk(static_cast<std::size_t>(std::min(kSlice, end - f.offset)), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    if (chunk.empty()) break;
    f.offset += chunk.size();
    f.partial += chunk;
    consume_lines(f, since);
  }
}

void consume_lines(Follow& f, std::int64_t since) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = f.partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string_view line(f.partial.data() + start, nl - start);
    if (line.find("\"leader_changed\"") == std::string_view::npos) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("event", "") != "leader_changed") continue;
    const std::int64_t t = j.value("t_mono_ns", std::int64_t{0});
    if (t < since) continue;
    if (j.contains("node") && j["node"].is_string()) f.node = j["node"].get<std::string>();
    std::optional<std::string> leader;
    if (j.contains("leader") && j["leader"].is_string()) leader = j["leader"].get<std::string>();
    if (!f.seen) f.first_ns = t;
    if (!f.seen || leader != f.leader) f.since_ns = t;
    f.seen = true;
    f.leader = leader;
    f.term = j.value("term", std::int64_t{0});
    ++f.changes;
  }
  f.partial.erase(0, start);
}

}  // namespace

int cmd_agree(const std::vector<std::string>& args) {
  std::optional<std::int64_t> since;
  std::int64_t timeout_ms = 10000;
  std::int64_t poll_ms = 20;
  std::optional<std::string> exclude;
  std::optional<std::string> expect;
  std::vector<Follow> logs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto value = [&](const char* what) {
      if (i + 1 >= args.size()) usage(std::string("agree: ") + what + " needs a value");
      return args[++i];
    };
    if (args[i] == "--since") {
      since = to_int(value("--since"), "--since");
    } else if (args[i] == "--timeout-ms") {
      timeout_ms = to_int(value("--timeout-ms"), "--timeout-ms");
    } else if (args[i] == "--poll-ms") {
      poll_ms = std::max<std::int64_t>(1, to_int(value("--poll-ms"), "--poll-ms"));
    } else if (args[i] == "--exclude") {
      exclude = value("--exclude");
    } else if (args[i] == "--expect") {
      expect = value("--expect");
    } else if (args[i].rfind("--", 0) == 0) {
      usage("agree: unknown option \"" + args[i] + "\"");
    } else {
      Follow f;
      f.path = args[i];
      f.node = args[i];
      logs.push_back(std::move(f));
    }
  }
  if (!since || logs.empty()) usage("agree --since NS [options] LOG...");

  const std::int64_t started = mono_ns();
  const std::int64_t deadline = started + timeout_ms * 1000000;
  std::optional<std::string> agreed;
  for (;;) {
    for (auto& f : logs) read_new(f, *since);
    agreed.reset();
    bool all = true;
    for (const auto& f : logs) {
      if (!f.seen || !f.leader || (exclude && *f.leader == *exclude) ||
          (expect && *f.leader != *expect) || (agreed && *agreed != *f.leader)) {
        all = false;
        break;
      }
      agreed = f.leader;
    }
    if (all) break;
    agreed.reset();
    if (mono_ns() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }

  json out{{"nodes", logs.size()}, {"since_ns", *since}};
  out["waited_ms"] = static_cast<double>(mono_ns() - started) / 1e6;
  if (agreed) {
    std::int64_t last = 0;
    std::int64_t first = INT64_MAX;
    std::int64_t first_seen_last = 0;
    std::string last_node;
    int max_changes = 0;
    for (const auto& f : logs) {
      if (f.since_ns >= last) {
        last = f.since_ns;
        last_node = f.node;
      }
      first = std::min(first, f.since_ns);
      first_seen_last = std::max(first_seen_last, f.first_ns);
      max_changes = std::max(max_changes, f.changes);
    }
    out["agreed"] = true;
    out["leader"] = *agreed;
    out["term"] = logs.front().term;
    out["agreed_by"] = logs.size();
    // The instant every log names the leader for good, and the first log to name it.
    out["last_ns"] = last;
    out["first_ns"] = first;
    out["latency_ms"] = static_cast<double>(last - *since) / 1e6;
    out["first_latency_ms"] = static_cast<double>(first - *since) / 1e6;
    // The latest first reaction (any leader_changed, null included) of a node.
    out["first_change_latency_ms"] = static_cast<double>(first_seen_last - *since) / 1e6;
    out["last_node"] = last_node;
    out["max_changes"] = max_changes;
  } else {
    std::map<std::string, int> views;
    for (const auto& f : logs) {
      ++views[!f.seen ? "(no change)" : f.leader.value_or("(none)")];
    }
    std::string most;
    int most_count = 0;
    for (const auto& [leader, n] : views) {
      if (n > most_count) {
        most = leader;
        most_count = n;
      }
    }
    // The ten most seen views; a split cluster has as many as it has nodes.
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [leader, n] : views) ranked.emplace_back(n, leader);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    json top = json::object();
    int others = 0;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      if (i < 10) {
        top[ranked[i].second] = ranked[i].first;
      } else {
        others += ranked[i].first;
      }
    }
    if (others > 0) top["(others)"] = others;
    out["agreed"] = false;
    out["views"] = top;
    out["distinct_views"] = views.size();
    out["most_seen"] = most;
    out["agreed_by"] = most_count;
  }
  std::printf("%s\n", out.dump().c_str());
  return agreed ? 0 : 1;
}

}  // namespace elector::bench_floor
