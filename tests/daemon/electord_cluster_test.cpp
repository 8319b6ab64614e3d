// A few electord processes on 127.0.0.1, run by `electorctl cluster`, checked through their
// control APIs, logs and event logs. Skipped when electord and electorctl were not built next to
// this test program.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/daemon_test_util.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::slurp;
using testing::TempDir;

std::string sibling(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto p = self.parent_path() / name;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

/// Whether `port` on 127.0.0.1 can be bound now, as `type` (SOCK_STREAM or SOCK_DGRAM).
bool bindable(int port, int type) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// A base port P such that P+1..P+n (members) and P+10001..P+10000+n (control APIs) were free a
/// moment ago, away from the ranges of the real-process tests (12000 and up).
int free_base_port(int n) {
  for (int p = 20000 + (::getpid() % 200) * 25; p < 30000; p += 25) {
    bool free = true;
    for (int k = 1; k <= n && free; ++k) {
      free = bindable(p + k, SOCK_STREAM) && bindable(p + k, SOCK_DGRAM) &&
             bindable(p + 10000 + k, SOCK_STREAM);
    }
    if (free) return p;
  }
  return 0;
}

/// Starts `argv` with its stdout and stderr in the file `out`; -1 if it could not.
pid_t spawn(std::vector<std::string> argv_s, const std::string& out) {
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv_s[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

/// The wait status of `pid` once it has ended.
int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/// `electorctl cluster` of `n` boxes in a directory of its own, taken down at the end.
class Cluster {
 public:
  Cluster(int n, std::vector<std::string> options) : n_(n), base_(free_base_port(n)) {
    std::vector<std::string> args = {"up", std::to_string(n), "--base-port", std::to_string(base_)};
    args.insert(args.end(), options.begin(), options.end());
    up_ = ctl(args) == 0;
  }
  ~Cluster() {
    if (up_) ctl({"down"});
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  [[nodiscard]] bool up() const { return up_; }
  /// Runs `electorctl cluster ARGS --dir DIR`; its output goes to output().
  int ctl(std::vector<std::string> args) const {
    std::vector<std::string> argv = {sibling("electorctl"), "cluster"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--dir", dir_.file("cluster")});
    const pid_t pid = spawn(std::move(argv), dir_.file("ctl.out"));
    return pid < 0 ? -1 : wait_exit(pid);
  }
  [[nodiscard]] std::string output() const { return slurp(dir_.file("ctl.out")); }
  /// The leader every box agrees on (empty if they do not within the timeout).
  std::string wait_leader() const {
    if (ctl({"wait", "--timeout", "20000"}) != 0) return {};
    const std::string text = output();  // "leader box2 agreed by 3 nodes after 231 ms"
    const auto at = text.find("leader ");
    if (at == std::string::npos) return {};
    return text.substr(at + 7, text.find(' ', at + 7) - at - 7);
  }
  [[nodiscard]] httplib::Client control(int k) const {
    httplib::Client c("127.0.0.1", base_ + 10000 + k);
    c.set_read_timeout(20, 0);
    return c;
  }
  [[nodiscard]] int listen_port(int k) const { return base_ + k; }
  [[nodiscard]] std::string box_file(int k, const std::string& name) const {
    return dir_.file("cluster") + "/box" + std::to_string(k) + "/" + name;
  }
  /// The JSON lines of a box's event log (or log, with --log-format json) that match `pred`.
  template <class Pred>
  std::vector<json> lines(int k, const std::string& file, Pred pred) const {
    std::vector<json> v;
    std::istringstream in(slurp(box_file(k, file)));
    for (std::string line; std::getline(in, line);) {
      const json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && pred(j)) v.push_back(j);
    }
    return v;
  }
  [[nodiscard]] int size() const { return n_; }

 private:
  int n_;
  int base_;
  TempDir dir_;
  bool up_ = false;
};

class ElectordCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sibling("electord").empty() || sibling("electorctl").empty()) {
      GTEST_SKIP() << "electord or electorctl not built";
    }
  }
};

/// The CPU time (ms) a process has used, as CLOCK_PROCESS_CPUTIME_ID counts it, from
/// /proc/PID/stat (utime + stime, in clock ticks).
std::int64_t cpu_ms(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  // The command (field 2) may hold blanks: fields are counted from after its parenthesis.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  std::int64_t ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stoll(field);
  }
  return ticks * 1000 / ::sysconf(_SC_CLK_TCK);
}

/// A datagram that looks like a packet of the cluster: the receiver checks its MAC over 64 KB
/// before dropping it, which costs it CPU time and changes nothing else.
std::vector<std::uint8_t> busy_datagram() {
  std::vector<std::uint8_t> p = {'E', 'L', 'C', '1', 0x80};
  p.resize(p.size() + 24, 1);  // boot, seq, wall clock
  p.push_back(1);
  p.push_back('x');
  const std::uint32_t payload = 65000;
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(payload >> (8 * i)));
  p.resize(p.size() + payload + 32, 0x5a);
  return p;
}

TEST_F(ElectordCluster, RuntimeHighElectsTheMemberThatHasJustBecomeBusy) {
  Cluster c(3, {"--strategy", "runtime_high", "--election-delay", "100"});
  ASSERT_TRUE(c.up()) << c.output();
  const std::string leader = c.wait_leader();
  ASSERT_FALSE(leader.empty()) << c.output();
  std::map<int, pid_t> pid;
  for (int k = 1; k <= c.size(); ++k) {
    const auto r = c.control(k).Get("/v1/status");
    ASSERT_TRUE(r && r->status == 200);
    pid[k] = json::parse(r->body)["pid"].get<pid_t>();
  }
  const int leader_k = leader.back() - '0';
  const int busy = leader_k == 1 ? 2 : 1;

  // Only the busy box's CPU time grows much: a generous margin over every other box's.
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(c.listen_port(busy)));
  const auto dgram = busy_datagram();
  const bool busy_enough = testing::wait_until(
      [&] {
        for (int i = 0; i < 200; ++i) {
          ::sendto(fd, dgram.data(), dgram.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
        }
        std::int64_t others = 0;
        for (const auto& [k, p] : pid) {
          if (k != busy) others = std::max(others, cpu_ms(p));
        }
        return cpu_ms(pid[busy]) > others + 1000;
      },
      60s);
  ::close(fd);
  ASSERT_TRUE(busy_enough);

  // The leader ranks the members on the CPU time of their latest messages, not of their start.
  const auto r = c.control(leader_k).Post("/v1/elect?sync=true&timeout_ms=10000");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["leader"], "box" + std::to_string(busy)) << r->body;
}

/// The instant (t_mono_ns) of the first line `pred` matches, once there is one.
template <class Pred>
std::int64_t first_instant(const Cluster& c, int k, const std::string& file, Pred pred) {
  std::int64_t t = 0;
  testing::wait_until([&] {
    const auto found = c.lines(k, file, pred);
    if (!found.empty()) t = found.front().value("t_mono_ns", std::int64_t{0});
    return t != 0;
  });
  return t;
}

TEST_F(ElectordCluster, APreElectionHookStartsBeforeTheCampaignLeaves) {
  // Every box runs hooks for every election it sees (global), and a post hook outlasts the gap
  // to the next election: that election's pre hook can only start when it ends, half a second
  // after the election began. T = 500 ms: the campaign waits 1.5 s for its answers.
  Cluster c(2,
            {"--strategy", "priority", "--hooks-execution", "global", "--heartbeat-interval", "500",
             "--election-delay", "100", "--hook-timeout", "10000", "--pre-election-hook", ":",
             "--post-election-hook", "sleep 0.5", "--log-format", "json", "--log-level", "debug"});
  ASSERT_TRUE(c.up()) << c.output();
  ASSERT_EQ(c.wait_leader(), "box1") << c.output();
  auto r = c.control(1).Post("/v1/clear-leader");
  ASSERT_TRUE(r && r->status == 200);
  const auto event_is = [](const char* event, const char* reason) {
    return [=](const json& j) {
      return j.value("event", "") == event && j.value("reason", "") == reason;
    };
  };
  ASSERT_NE(first_instant(c, 1, "events.jsonl", event_is("election_started", "cleared")), 0);
  r = c.control(1).Post("/v1/elect");  // box1 campaigns while its post hook of the clear runs
  ASSERT_TRUE(r && r->status == 200);

  ASSERT_TRUE(testing::wait_until([&] {
    return !c.lines(1, "events.jsonl", event_is("election_started", "requested")).empty();
  }));
  const auto election =
      c.lines(1, "events.jsonl", event_is("election_started", "requested")).front()["election"];
  const std::string hook_line = "hook started (pre_election, election " + election.dump() + ")";
  const std::int64_t hook_started = first_instant(c, 1, "electord.log", [&](const json& j) {
    return j.value("msg", "").rfind(hook_line, 0) == 0;
  });
  // box2 hears box1's campaign (the forwarded request comes first) only after the hook began.
  const std::int64_t heard =
      first_instant(c, 2, "events.jsonl", event_is("election_started", "requested"));
  ASSERT_NE(hook_started, 0) << slurp(c.box_file(1, "electord.log"));
  ASSERT_NE(heard, 0) << slurp(c.box_file(2, "events.jsonl"));
  EXPECT_LT(hook_started, heard);
  EXPECT_EQ(c.wait_leader(), "box1") << c.output();
}

TEST_F(ElectordCluster, AMemberWithOtherSettingsIsLoggedOnceSayingWhatDiffers) {
  TempDir dir;
  const int base = free_base_port(2);
  testing::write_file(dir.file("cookie"), "s3cret\n");
  // b runs another quorum_size: each side names it, with both values, once.
  const auto start = [&](const std::string& name, int k, std::vector<std::string> more) {
    std::vector<std::string> argv = {sibling("electord"),
                                     "--name",
                                     name,
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(base + k),
                                     "--seeds",
                                     "127.0.0.1:" + std::to_string(base + 1),
                                     "--control",
                                     "127.0.0.1:0",
                                     "--cookie-file",
                                     dir.file("cookie"),
                                     "--state-dir",
                                     dir.file(name),
                                     "--event-log",
                                     dir.file(name + ".events"),
                                     "--election-delay",
                                     "100"};
    argv.insert(argv.end(), more.begin(), more.end());
    return spawn(std::move(argv), dir.file(name + ".log"));
  };
  const pid_t a = start("a", 1, {});
  const pid_t b = start("b", 2, {"--quorum-size", "3"});
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  const auto mismatch_of = [&](const std::string& node) {
    std::istringstream in(slurp(dir.file(node + ".events")));
    for (std::string line; std::getline(in, line);) {
      const json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == "settings_mismatch") return j;
    }
    return json();
  };
  const bool both = testing::wait_until(
      [&] { return !mismatch_of("a").is_null() && !mismatch_of("b").is_null(); });
  ::kill(a, SIGTERM);
  ::kill(b, SIGTERM);
  wait_exit(a);
  wait_exit(b);
  ASSERT_TRUE(both) << slurp(dir.file("a.log")) << slurp(dir.file("b.log"));
  const json at_a = mismatch_of("a");
  EXPECT_EQ(at_a["member"], "b");
  EXPECT_EQ(at_a["differs"], json::parse(R"({"quorum_size":{"member":3,"this_node":0}})"));
  EXPECT_EQ(mismatch_of("b")["differs"],
            json::parse(R"({"quorum_size":{"member":0,"this_node":3}})"));
  for (const auto& [node, other, line] :
       {std::tuple{"a", "b", "member b runs quorum_size=3 (this node 0)"},
        std::tuple{"b", "a", "member a runs quorum_size=0 (this node 3)"}}) {
    const std::string log = slurp(dir.file(std::string(node) + ".log"));
    int lines = 0;
    std::istringstream in(log);
    for (std::string l; std::getline(in, l);) {
      lines += l.find(std::string("member ") + other) != std::string::npos &&
                       l.find("quorum_size") != std::string::npos
                   ? 1
                   : 0;
    }
    EXPECT_EQ(lines, 1) << log;
    EXPECT_NE(log.find(line), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace elector::daemon
