// electord's settings from a TOML file and from the environment, and which source wins: every
// TOML key and environment variable, the command line over the environment over the file, where
// the event log was given, and the example config file in docs/.

#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "daemon/options_load.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

constexpr const char* kFullToml = R"(
name = "box3"
listen = "127.0.0.1:7003"
seeds = ["127.0.0.1:7001", "127.0.0.1:7002"]
control = "127.0.0.1:17003"
cookie_file = "/etc/elector/cookie"
strategy = "priority"
priority = 3
election_delay = 500
quorum_size = 2
candidate = false
hooks_execution = "global"
automatic_elections = false
pre_election_hooks = ["echo pre1", "echo pre2"]
post_election_hooks = ["echo post"]
hook_timeout = 2000
heartbeat_interval = 200
event_log = "/tmp/box3.jsonl"
log_format = "json"
log_level = "warn"
state_file = "/tmp/box3.term"
)";

TEST(Options, EveryTomlKey) {
  const auto r = load({"--config", "/c.toml"}, {},
                      {{"/c.toml", kFullToml}, {"/etc/elector/cookie", "abc\r\n\n"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  const auto& s = *r.settings;
  EXPECT_EQ(s.config_file, "/c.toml");
  EXPECT_EQ(s.node.name, "box3");
  EXPECT_EQ(s.node.listen, "127.0.0.1:7003");
  EXPECT_EQ(s.node.seeds, (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7002"}));
  EXPECT_EQ(s.control_addr.port, 17003);
  EXPECT_EQ(s.node.cookie, "abc");
  EXPECT_EQ(s.node.strategy, "priority");
  EXPECT_EQ(s.node.priority, 3);
  EXPECT_EQ(s.node.election_delay, elector::ms(500));
  EXPECT_EQ(s.node.quorum_size, 2);
  EXPECT_FALSE(s.node.candidate_node);
  EXPECT_EQ(s.node.hooks_execution, elector::HooksExecution::global);
  EXPECT_FALSE(s.node.automatic_elections);
  EXPECT_EQ(s.pre_election_hooks, (std::vector<std::string>{"echo pre1", "echo pre2"}));
  EXPECT_EQ(s.post_election_hooks, (std::vector<std::string>{"echo post"}));
  EXPECT_EQ(s.node.hook_timeout, elector::ms(2000));
  EXPECT_EQ(s.node.heartbeat_interval, elector::ms(200));
  EXPECT_EQ(s.event_log, "/tmp/box3.jsonl");
  EXPECT_EQ(s.log_format, LogFormat::json);
  EXPECT_EQ(s.log_level, elector::LogLevel::warn);
  EXPECT_EQ(s.node.state_file, "/tmp/box3.term");
}

TEST(Options, TomlAcceptsSingularNamesAndCommaSeparatedSeeds) {
  const auto r = load({"--config", "/c.toml"}, {},
                      {{"/c.toml",
                        "name = \"a\"\nlisten = \"h:1\"\ninsecure = true\nseeds = \"h:2, h:3\"\n"
                        "pre_election_hook = \"echo x\"\ncandidate_node = false\n"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.seeds, (std::vector<std::string>{"h:2", "h:3"}));
  EXPECT_EQ(r.settings->pre_election_hooks, (std::vector<std::string>{"echo x"}));
  EXPECT_FALSE(r.settings->node.candidate_node);
}

TEST(Options, EveryEnvironmentVariable) {
  const std::map<std::string, std::string> env = {
      {"ELECTOR_NAME", "envbox"},
      {"ELECTOR_LISTEN", "127.0.0.1:7100"},
      {"ELECTOR_SEEDS", "127.0.0.1:7101,127.0.0.1:7102"},
      {"ELECTOR_CONTROL", "127.0.0.1:0"},
      {"ELECTOR_COOKIE", "from-env\n"},
      {"ELECTOR_STRATEGY", "runtime_low"},
      {"ELECTOR_PRIORITY", "9"},
      {"ELECTOR_ELECTION_DELAY", "0"},
      {"ELECTOR_QUORUM_SIZE", "4"},
      {"ELECTOR_CANDIDATE", "false"},
      {"ELECTOR_HOOKS_EXECUTION", "global"},
      {"ELECTOR_AUTOMATIC_ELECTIONS", "0"},
      {"ELECTOR_PRE_ELECTION_HOOK", "echo a, b"},
      {"ELECTOR_POST_ELECTION_HOOK", "echo c"},
      {"ELECTOR_HOOK_TIMEOUT", "10"},
      {"ELECTOR_HEARTBEAT_INTERVAL", "20"},
      {"ELECTOR_EVENT_LOG", "/tmp/e"},
      {"ELECTOR_LOG_FORMAT", "json"},
      {"ELECTOR_LOG_LEVEL", "trace"},
      {"ELECTOR_STATE_FILE", "/tmp/t"},
      {"ELECTOR_NODE", "ignored: set for hooks, not a setting"},
  };
  const auto r = load({}, env);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  const auto& s = *r.settings;
  EXPECT_EQ(s.node.name, "envbox");
  EXPECT_EQ(s.node.listen, "127.0.0.1:7100");
  EXPECT_EQ(s.node.seeds, (std::vector<std::string>{"127.0.0.1:7101", "127.0.0.1:7102"}));
  EXPECT_EQ(s.control_addr.port, 0);
  EXPECT_EQ(s.node.cookie, "from-env");
  EXPECT_EQ(s.secret_source, "ELECTOR_COOKIE");
  EXPECT_EQ(s.node.strategy, "runtime_low");
  EXPECT_EQ(s.node.priority, 9);
  EXPECT_EQ(s.node.election_delay, elector::ms(0));
  EXPECT_EQ(s.node.quorum_size, 4);
  EXPECT_FALSE(s.node.candidate_node);
  EXPECT_EQ(s.node.hooks_execution, elector::HooksExecution::global);
  EXPECT_FALSE(s.node.automatic_elections);
  // A hook command is never split at commas.
  EXPECT_EQ(s.pre_election_hooks, (std::vector<std::string>{"echo a, b"}));
  EXPECT_EQ(s.post_election_hooks, (std::vector<std::string>{"echo c"}));
  EXPECT_EQ(s.node.hook_timeout, elector::ms(10));
  EXPECT_EQ(s.node.heartbeat_interval, elector::ms(20));
  EXPECT_EQ(s.event_log, "/tmp/e");
  EXPECT_EQ(s.log_format, LogFormat::json);
  EXPECT_EQ(s.log_level, elector::LogLevel::trace);
  EXPECT_EQ(s.node.state_file, "/tmp/t");
}

TEST(Options, CommandLineBeatsEnvironmentBeatsFile) {
  const Files files = {{"/c.toml", "quorum_size = 3\npriority = 7\nstrategy = \"priority\"\n"}};
  const auto file_only = load(base({"--config", "/c.toml"}), {}, files);
  ASSERT_TRUE(file_only.settings) << joined(file_only.errors);
  EXPECT_EQ(file_only.settings->node.quorum_size, 3);

  const auto env_wins = load(base({"--config", "/c.toml"}), {{"ELECTOR_QUORUM_SIZE", "4"}}, files);
  ASSERT_TRUE(env_wins.settings) << joined(env_wins.errors);
  EXPECT_EQ(env_wins.settings->node.quorum_size, 4);
  EXPECT_EQ(env_wins.settings->node.priority, 7);  // untouched keys keep the file's value

  const auto cli_wins = load(base({"--config", "/c.toml", "--quorum-size", "5"}),
                             {{"ELECTOR_QUORUM_SIZE", "4"}}, files);
  ASSERT_TRUE(cli_wins.settings) << joined(cli_wins.errors);
  EXPECT_EQ(cli_wins.settings->node.quorum_size, 5);
  EXPECT_EQ(cli_wins.settings->node.strategy, "priority");
}

TEST(Options, CommandLineHooksReplaceTheFileList) {
  const Files files = {{"/c.toml", "pre_election_hooks = [\"a\", \"b\"]\n"}};
  const auto r = load(base({"--config", "/c.toml", "--pre-election-hook", "c"}), {}, files);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->pre_election_hooks, (std::vector<std::string>{"c"}));
}

TEST(Options, ConfigFileFromTheEnvironment) {
  const auto r = load({"--insecure"}, {{"ELECTOR_CONFIG", "/c.toml"}},
                      {{"/c.toml", "name = \"x\"\nlisten = \"127.0.0.1:1\"\n"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.name, "x");
  EXPECT_EQ(r.settings->config_file, "/c.toml");
}

TEST(Options, EmptyEnvironmentVariablesCountAsUnset) {
  const auto r = load(base(), {{"ELECTOR_QUORUM_SIZE", ""}, {"ELECTOR_COOKIE", ""}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.quorum_size, 0);  // the default: a majority
}

TEST(Options, TheEventLogsOriginIsWhereItWasGiven) {
  const Files files = {{"/c.toml", "event_log = \"/var/log/e.jsonl\"\n"}};
  const auto file = load(base({"--config", "/c.toml"}), {}, files);
  ASSERT_TRUE(file.settings) << joined(file.errors);
  EXPECT_EQ(file.settings->event_log, "/var/log/e.jsonl");
  EXPECT_EQ(file.settings->event_log_origin, "event_log in /c.toml");

  const auto env = load(base({"--config", "/c.toml"}), {{"ELECTOR_EVENT_LOG", "/e"}}, files);
  ASSERT_TRUE(env.settings) << joined(env.errors);
  EXPECT_EQ(env.settings->event_log_origin, "ELECTOR_EVENT_LOG");

  const auto cli = load(base({"--config", "/c.toml", "--event-log", "/f"}),
                        {{"ELECTOR_EVENT_LOG", "/e"}}, files);
  ASSERT_TRUE(cli.settings) << joined(cli.errors);
  EXPECT_EQ(cli.settings->event_log, "/f");
  EXPECT_EQ(cli.settings->event_log_origin, "--event-log");

  const auto none = load(base());
  ASSERT_TRUE(none.settings) << joined(none.errors);
  EXPECT_TRUE(none.settings->event_log_origin.empty());
}

TEST(Options, TheExampleConfigFileLoads) {
  const auto example = std::filesystem::path(ELECTOR_SOURCE_DIR) / "docs" / "electord.example.toml";
  OptionsInput in;
  in.args = {"--config", example.string()};
  in.env = {{"ELECTOR_COOKIE", "test"}};  // instead of the example's cookie file
  const auto r = load_options(in);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.name, "box1");
  EXPECT_EQ(r.settings->node.quorum_size, 0);  // the default: a majority
  EXPECT_EQ(r.settings->post_election_hooks.size(), 1U);
}

}  // namespace
}  // namespace elector::daemon
