// The electord executable end to end: exit codes, the control API of a running node, the event
// log, SIGTERM. Skipped when the executable was not built next to this test program.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/daemon_test_util.hpp"
#include "daemon/electord_process.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using testing::Daemon;
using testing::electord_path;
using testing::free_port;
using testing::slurp;
using testing::TempDir;

class Electord : public ::testing::Test {
 protected:
  void SetUp() override {
    exe = electord_path();
    if (exe.empty()) GTEST_SKIP() << "electord not built";
  }

  /// Runs electord to its end (it must end by itself) and returns its exit code. Its state goes
  /// to this test's directory unless `args` say otherwise (as root the default would be shared).
  int run_to_end(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--state-dir", state_dir});
    Daemon d(exe, std::move(args), err_file, std::move(env));
    const auto st = d.wait(60s);
    EXPECT_TRUE(st) << "electord did not exit";
    return st.value_or(-1);
  }

  std::string exe;
  TempDir dir;
  std::string err_file = dir.file("stderr");
  std::string state_dir = dir.file("state");
};

TEST_F(Electord, BadValueExitsTwoNamingKeyAndValue) {
  EXPECT_EQ(
      run_to_end({"--name", "a", "--listen", "127.0.0.1:1", "--insecure", "--quorum-size", "x"}),
      2);
  EXPECT_NE(slurp(err_file).find("electord: bad value for --quorum-size: \"x\" (expected an "
                                 "integer >= 1, or 0 for a majority)"),
            std::string::npos)
      << slurp(err_file);
}

TEST_F(Electord, BadConfigFileExitsTwo) {
  testing::write_file(dir.file("c.toml"), "name = \"a\"\nlisten = \"127.0.0.1:1\"\nspeed = 3\n");
  EXPECT_EQ(run_to_end({"--config", dir.file("c.toml"), "--insecure"}), 2);
  EXPECT_NE(slurp(err_file).find("unknown key \"speed\""), std::string::npos) << slurp(err_file);
}

TEST_F(Electord, AnEventLogThatCannotBeOpenedExitsTwoNamingWhereItWasGiven) {
  // A directory that does not exist: the log cannot be created. It fails before anything binds,
  // so no port is needed.
  const std::string events = dir.file("missing") + "/events.jsonl";
  const std::vector<std::string> args = {"--name", "a", "--listen", "127.0.0.1:1", "--insecure"};

  auto with_flag = args;
  with_flag.insert(with_flag.end(), {"--event-log", events});
  EXPECT_EQ(run_to_end(with_flag), 2);
  EXPECT_NE(slurp(err_file).find("electord: cannot open --event-log \"" + events + "\": "),
            std::string::npos)
      << slurp(err_file);

  // From the config file, the message names the file's key, not the flag.
  testing::write_file(dir.file("c.toml"), "event_log = \"" + events + "\"\n");
  auto with_file = args;
  with_file.insert(with_file.end(), {"--config", dir.file("c.toml")});
  EXPECT_EQ(run_to_end(with_file), 2);
  const auto err = slurp(err_file);
  EXPECT_NE(err.find("electord: cannot open event_log in " + dir.file("c.toml") + " \"" + events +
                     "\": "),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("--event-log"), std::string::npos) << err;
}

TEST_F(Electord, MissingSecretExitsTwo) {
  EXPECT_EQ(run_to_end({"--name", "a", "--listen", "127.0.0.1:1"}), 2);
  EXPECT_NE(slurp(err_file).find("no cluster secret"), std::string::npos) << slurp(err_file);
}

/// GET `path` over the unix socket at `socket_path`; the whole answer, or "" when nobody listens.
std::string unix_get(const std::string& socket_path, const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  socket_path.copy(a.sun_path, sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

TEST_F(Electord, ServesTheControlApiOnAUnixSocket) {
  const auto sock = dir.file("control.sock");
  Daemon d(exe,
           {"--name", "solo", "--listen", "127.0.0.1:" + std::to_string(free_port()), "--control",
            "unix:" + sock, "--insecure", "--election-delay", "50", "--state-dir", state_dir},
           err_file);
  ASSERT_TRUE(testing::wait_until([&] {
    const auto a = unix_get(sock, "/v1/leader");
    const auto body = a.find("\r\n\r\n");
    return a.rfind("HTTP/1.1 200", 0) == 0 && body != std::string::npos &&
           nlohmann::json::parse(a.substr(body + 4))["leader"] == "solo";
  })) << slurp(err_file);
  struct stat st {};
  ASSERT_EQ(::lstat(sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  const auto a = unix_get(sock, "/v1/status");
  const auto j = nlohmann::json::parse(a.substr(a.find("\r\n\r\n") + 4));
  EXPECT_EQ(j["control"], "unix:" + sock);
  // A unix socket is not reachable from other hosts: no warning about that.
  EXPECT_EQ(slurp(err_file).find("reachable from other hosts"), std::string::npos)
      << slurp(err_file);

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(30s), 0) << slurp(err_file);
  EXPECT_FALSE(std::filesystem::exists(sock));
}

TEST_F(Electord, HelpExitsZero) {
  EXPECT_EQ(run_to_end({"--help"}), 0);
}

TEST_F(Electord, BusyControlPortExitsOne) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int busy = ntohs(a.sin_port);
  EXPECT_EQ(run_to_end({"--name", "a", "--listen", "127.0.0.1:" + std::to_string(free_port()),
                        "--insecure", "--control", "127.0.0.1:" + std::to_string(busy)}),
            1);
  ::close(fd);
  EXPECT_NE(slurp(err_file).find("cannot listen on 127.0.0.1:" + std::to_string(busy)),
            std::string::npos)
      << slurp(err_file);
}

TEST_F(Electord, ServesTheControlApiAndStopsOnSigterm) {
  const auto events = dir.file("events.jsonl");
  const auto hook_out = dir.file("hook");
  testing::write_file(dir.file("cookie"), "s3cret\n");
  Daemon d(exe,
           {"--name", "solo", "--listen", "127.0.0.1:" + std::to_string(free_port()), "--control",
            "127.0.0.1:0", "--cookie-file", dir.file("cookie"), "--election-delay", "50",
            "--event-log", events, "--post-election-hook",
            "echo \"$ELECTOR_LEADER $ELECTOR_ROLE\" >> " + hook_out, "--state-dir", state_dir},
           err_file);
  // Port 0: the start line says which port the control API got.
  int port = 0;
  const std::regex started(R"(control API http://127\.0\.0\.1:(\d+))");
  ASSERT_TRUE(testing::wait_until([&] {
    std::smatch m;
    const auto text = slurp(err_file);
    if (!std::regex_search(text, m, started)) return false;
    port = std::stoi(m[1]);
    return true;
  })) << slurp(err_file);
  EXPECT_NE(slurp(err_file).find("secure (secret from --cookie-file"), std::string::npos);

  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20, 0);
  ASSERT_TRUE(testing::wait_until([&] {
    const auto r = c.Get("/v1/leader");
    return r && r->status == 200 && nlohmann::json::parse(r->body)["leader"] == "solo";
  })) << slurp(err_file);
  const auto st = c.Get("/v1/status");
  ASSERT_TRUE(st);
  const auto j = nlohmann::json::parse(st->body);
  EXPECT_EQ(j["name"], "solo");
  EXPECT_EQ(j["control"], "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(j["pid"], d.pid());
  EXPECT_EQ(j["state_file"], state_dir + "/solo.state");
  EXPECT_EQ(j["state_saved"], true);
  ASSERT_TRUE(testing::wait_until([&] { return slurp(hook_out) == "solo leader\n"; }))
      << slurp(hook_out);
  ASSERT_TRUE(testing::wait_until([&] {
    return slurp(events).find("\"event\":\"leadership_acquired\"") != std::string::npos;
  }));

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(30s), 0) << slurp(err_file);
  // The handover was logged as an event before the exit.
  EXPECT_NE(slurp(events).find("\"event\":\"leadership_lost\""), std::string::npos)
      << slurp(events);
}

TEST_F(Electord, TwoDaemonsOfOneNameCannotShareTheirState) {
  const auto sock = dir.file("first.sock");
  Daemon first(exe,
               {"--name", "twin", "--listen", "127.0.0.1:" + std::to_string(free_port()),
                "--control", "unix:" + sock, "--insecure", "--state-dir", state_dir},
               err_file);
  ASSERT_TRUE(testing::wait_until([&] {
    return unix_get(sock, "/v1/status").rfind("HTTP/1.1 200", 0) == 0;
  })) << slurp(err_file);
  // The directory was created for it, for its owner only.
  struct stat st {};
  ASSERT_EQ(::stat(state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);

  const auto second_err = dir.file("second.stderr");
  Daemon second(exe,
                {"--name", "twin", "--listen", "127.0.0.1:" + std::to_string(free_port()),
                 "--control", "127.0.0.1:0", "--insecure", "--state-dir", state_dir},
                second_err);
  EXPECT_EQ(second.wait(60s), 1) << slurp(second_err);
  EXPECT_NE(slurp(second_err).find("holds the lock " + state_dir + "/twin.lock"), std::string::npos)
      << slurp(second_err);
  EXPECT_NE(slurp(second_err).find("pid " + std::to_string(first.pid())), std::string::npos)
      << slurp(second_err);

  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(30s), 0) << slurp(err_file);
}

TEST_F(Electord, AStateDirThatCannotBeADirectoryExitsTwo) {
  testing::write_file(dir.file("plain"), "x");
  EXPECT_EQ(run_to_end({"--name", "a", "--listen", "127.0.0.1:" + std::to_string(free_port()),
                        "--insecure", "--control", "127.0.0.1:0", "--state-dir",
                        dir.file("plain") + "/sub"}),
            2);
  EXPECT_NE(slurp(err_file).find("bad value for --state-dir: \"" + dir.file("plain") + "/sub\""),
            std::string::npos)
      << slurp(err_file);
}

TEST_F(Electord, AnUnreadableStateFileExitsOne) {
  // A directory in place of the state file: it exists, but cannot be read.
  std::filesystem::create_directories(state_dir + "/a.state");
  EXPECT_EQ(run_to_end({"--name", "a", "--listen", "127.0.0.1:" + std::to_string(free_port()),
                        "--insecure", "--control", "127.0.0.1:0"}),
            1);
  EXPECT_NE(slurp(err_file).find("cannot read the state file " + state_dir + "/a.state"),
            std::string::npos)
      << slurp(err_file);
}

}  // namespace
}  // namespace elector::daemon
