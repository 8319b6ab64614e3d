// electord's command line: the defaults, every flag, a control address on a unix socket,
// unknown flags and missing values, the required flags, --help and --version, and HOST:PORT.

#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/options_load.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

TEST(Options, DefaultsWithTheRequiredFlags) {
  const auto r = load(base());
  ASSERT_TRUE(r.settings) << joined(r.errors);
  const auto& s = *r.settings;
  EXPECT_EQ(s.node.name, "box1");
  EXPECT_EQ(s.node.listen, "127.0.0.1:7001");
  EXPECT_TRUE(s.node.seeds.empty());
  EXPECT_EQ(s.control, "127.0.0.1:7947");
  EXPECT_EQ(s.control_addr.host, "127.0.0.1");
  EXPECT_EQ(s.control_addr.port, 7947);
  EXPECT_EQ(s.node.control, "127.0.0.1:7947");
  EXPECT_EQ(s.node.strategy, "uptime_high");
  EXPECT_EQ(s.node.priority, 0);
  EXPECT_EQ(s.node.election_delay, elector::ms(1000));
  EXPECT_EQ(s.node.quorum_size, 0);  // a majority of the known cluster
  EXPECT_TRUE(s.node.candidate_node);
  EXPECT_EQ(s.node.hooks_execution, elector::HooksExecution::local);
  EXPECT_TRUE(s.node.automatic_elections);
  EXPECT_EQ(s.node.hook_timeout, elector::ms(1000));
  EXPECT_EQ(s.node.heartbeat_interval, elector::ms(100));
  EXPECT_TRUE(s.node.insecure);
  EXPECT_TRUE(s.node.cookie.empty());
  EXPECT_EQ(s.log_format, LogFormat::text);
  EXPECT_EQ(s.log_level, elector::LogLevel::info);
  EXPECT_TRUE(s.event_log.empty());
  EXPECT_EQ(s.node.state_file, "/home/u/.local/state/elector/box1.state");
  EXPECT_EQ(s.state_dir, "/home/u/.local/state/elector");
  EXPECT_FALSE(s.state_file_given);
}

TEST(Options, EveryFlag) {
  const auto r = load({"--name=box2",
                       "--listen",
                       "10.0.0.2:7002",
                       "--seeds",
                       "10.0.0.1:7001,10.0.0.3:7003",
                       "--seeds",
                       "[::1]:7004",
                       "--seeds",
                       "peers.example:7005,srv:_gossip._udp.elector.example",
                       "--control",
                       "127.0.0.1:17002",
                       "--cookie-file",
                       "/s",
                       "--strategy",
                       "priority",
                       "--priority",
                       "-3",
                       "--election-delay",
                       "250",
                       "--quorum-size",
                       "3",
                       "--candidate",
                       "false",
                       "--hooks-execution",
                       "global",
                       "--automatic-elections",
                       "false",
                       "--pre-election-hook",
                       "echo a; echo b",
                       "--pre-election-hook",
                       "echo c",
                       "--post-election-hook",
                       "logger done",
                       "--hook-timeout",
                       "1500",
                       "--heartbeat-interval",
                       "50",
                       "--event-log",
                       "/tmp/ev.jsonl",
                       "--log-format",
                       "json",
                       "--log-level",
                       "debug",
                       "--state-file",
                       "/var/lib/x/term"},
                      {}, {{"/s", "sekrit\n"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  const auto& s = *r.settings;
  EXPECT_EQ(s.node.name, "box2");
  EXPECT_EQ(s.node.listen, "10.0.0.2:7002");
  EXPECT_EQ(s.node.seeds,
            (std::vector<std::string>{"10.0.0.1:7001", "10.0.0.3:7003", "[::1]:7004",
                                      "peers.example:7005", "srv:_gossip._udp.elector.example"}));
  EXPECT_EQ(s.control_addr.port, 17002);
  EXPECT_EQ(s.node.control, "127.0.0.1:17002");
  EXPECT_EQ(s.node.cookie, "sekrit");
  EXPECT_FALSE(s.node.insecure);
  EXPECT_EQ(s.secret_source, "--cookie-file /s");
  EXPECT_EQ(s.node.strategy, "priority");
  EXPECT_EQ(s.node.priority, -3);
  EXPECT_EQ(s.node.election_delay, elector::ms(250));
  EXPECT_EQ(s.node.quorum_size, 3);
  EXPECT_FALSE(s.node.candidate_node);
  EXPECT_EQ(s.node.hooks_execution, elector::HooksExecution::global);
  EXPECT_FALSE(s.node.automatic_elections);
  EXPECT_EQ(s.pre_election_hooks, (std::vector<std::string>{"echo a; echo b", "echo c"}));
  EXPECT_EQ(s.post_election_hooks, (std::vector<std::string>{"logger done"}));
  EXPECT_EQ(s.node.hook_timeout, elector::ms(1500));
  EXPECT_EQ(s.node.heartbeat_interval, elector::ms(50));
  EXPECT_EQ(s.event_log, "/tmp/ev.jsonl");
  EXPECT_EQ(s.log_format, LogFormat::json);
  EXPECT_EQ(s.log_level, elector::LogLevel::debug);
  EXPECT_EQ(s.node.state_file, "/var/lib/x/term");
}

TEST(Options, ControlOnAUnixSocket) {
  for (const auto& r : {load(base({"--control", "unix:/run/elector.sock"})),
                        load(base(), {{"ELECTOR_CONTROL", "unix:/run/elector.sock"}})}) {
    ASSERT_TRUE(r.settings) << joined(r.errors);
    const auto& s = *r.settings;
    EXPECT_EQ(s.control, "unix:/run/elector.sock");
    // The control server recognises the prefix; members see the address as given.
    EXPECT_EQ(s.control_addr.host, "unix:/run/elector.sock");
    EXPECT_EQ(s.node.control, "unix:/run/elector.sock");
    // Reachable from this host only: no warning about an exposed control API.
    EXPECT_TRUE(is_loopback_host(s.control_addr.host));
  }
}

TEST(Options, UnknownFlagAndMissingValue) {
  const auto a = load(base({"--quorum", "2"}));
  ASSERT_EQ(a.errors.size(), 1U) << joined(a.errors);
  EXPECT_NE(a.errors[0].find("--quorum"), std::string::npos) << a.errors[0];
  const auto b = load(base({"--quorum-size"}));
  ASSERT_EQ(b.errors.size(), 1U) << joined(b.errors);
  EXPECT_NE(b.errors[0].find("--quorum-size"), std::string::npos) << b.errors[0];
}

TEST(Options, NameAndListenAreRequired) {
  const auto r = load({"--insecure"});
  EXPECT_FALSE(r.settings);
  const auto all = joined(r.errors);
  EXPECT_NE(all.find("missing --name"), std::string::npos) << all;
  EXPECT_NE(all.find("missing --listen"), std::string::npos) << all;
}

TEST(Options, HelpAndVersion) {
  const auto h = load({"--help"});
  EXPECT_TRUE(h.errors.empty());
  EXPECT_FALSE(h.settings);
  for (const char* flag : {"--name",
                           "--listen",
                           "--seeds",
                           "--control",
                           "--config",
                           "--cookie-file",
                           "--insecure",
                           "--strategy",
                           "--priority",
                           "--election-delay",
                           "--quorum-size",
                           "--candidate",
                           "--hooks-execution",
                           "--automatic-elections",
                           "--pre-election-hook",
                           "--post-election-hook",
                           "--hook-timeout",
                           "--heartbeat-interval",
                           "--event-log",
                           "--log-format",
                           "--log-level",
                           "--state-file",
                           "--state-dir"}) {
    EXPECT_NE(h.output.find(flag), std::string::npos) << flag;
  }
  const auto v = load({"--version"});
  EXPECT_TRUE(v.errors.empty());
  EXPECT_EQ(v.output.rfind("electord ", 0), 0U) << v.output;
}

TEST(HostPort, Parse) {
  EXPECT_EQ(parse_host_port("127.0.0.1:80")->host, "127.0.0.1");
  EXPECT_EQ(parse_host_port("127.0.0.1:80")->port, 80);
  EXPECT_EQ(parse_host_port("[::1]:7947")->host, "::1");
  EXPECT_EQ(format_host_port(*parse_host_port("[::1]:7947")), "[::1]:7947");
  EXPECT_FALSE(parse_host_port("::1:80"));
  EXPECT_FALSE(parse_host_port(":80"));
  EXPECT_FALSE(parse_host_port("h:"));
  EXPECT_FALSE(parse_host_port("h:-1"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.1.2.3"));
}

TEST(Options, EventsKeepaliveDefaultsToTheHeartbeatPeriod) {
  auto r = load(base());
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(events_keepalive(*r.settings), std::chrono::milliseconds(100));
  r = load(base({"--heartbeat-interval", "40"}));
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(events_keepalive(*r.settings), std::chrono::milliseconds(40));
}

TEST(Options, EventsKeepaliveFromTheCommandLineOrToml) {
  auto r = load(base({"--events-keepalive", "2500"}));
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(events_keepalive(*r.settings), std::chrono::milliseconds(2500));
  r = load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "events_keepalive = 700\n"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(events_keepalive(*r.settings), std::chrono::milliseconds(700));
}

TEST(Options, BadEventsKeepaliveNamesTheKey) {
  for (const char* bad : {"0", "-5", "1s", "x"}) {
    const auto e = single_error(load(base({"--events-keepalive", bad})), "--events-keepalive", bad);
    EXPECT_NE(e.find("milliseconds"), std::string::npos) << e;
  }
  single_error(load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "events_keepalive = \"5\"\n"}}),
               "events_keepalive in /c.toml", "5");
}

}  // namespace
}  // namespace elector::daemon
