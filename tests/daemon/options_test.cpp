#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace elector::daemon {
namespace {

using Files = std::map<std::string, std::string>;

/// Not root, with a home: the default state directory is ~/.local/state/elector.
StateDirEnv user_env() {
  StateDirEnv e;
  e.home = "/home/u";
  return e;
}

OptionsResult load(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                   Files files = {}, StateDirEnv state_env = user_env()) {
  OptionsInput in;
  in.args = std::move(args);
  in.env = std::move(env);
  in.state_env = std::move(state_env);
  in.read_file = [files](const std::string& path,
                         std::string& error) -> std::optional<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) {
      error = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  };
  return load_options(in);
}

std::vector<std::string> base(std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--name", "box1", "--listen", "127.0.0.1:7001", "--insecure"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

std::string joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += e + "\n";
  return s;
}

/// Expects exactly one error, naming `origin` and `value`, and returns it.
std::string single_error(const OptionsResult& r, const std::string& origin,
                         const std::string& value) {
  EXPECT_FALSE(r.settings.has_value());
  EXPECT_EQ(r.errors.size(), 1U) << joined(r.errors);
  if (r.errors.empty()) return {};
  const auto& e = r.errors.front();
  EXPECT_EQ(e.rfind("electord: ", 0), 0U) << e;
  EXPECT_NE(e.find(origin), std::string::npos) << e;
  EXPECT_NE(e.find("\"" + value + "\""), std::string::npos) << e;
  return e;
}

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

TEST(Options, DefaultStateDirectory) {
  StateDirEnv e;
  EXPECT_EQ(default_state_dir(e).first, "");
  e.home = "/home/u";
  EXPECT_EQ(default_state_dir(e).first, "/home/u/.local/state/elector");
  e.xdg_state_home = "relative/is/ignored";
  EXPECT_EQ(default_state_dir(e).first, "/home/u/.local/state/elector");
  e.xdg_state_home = "/xdg";
  EXPECT_EQ(default_state_dir(e).first, "/xdg/elector");
  e.root = true;
  EXPECT_EQ(default_state_dir(e).first, "/var/lib/elector");
  e.state_directory = "/var/lib/elector-a:/var/lib/other";  // systemd: the first is ours
  EXPECT_EQ(default_state_dir(e).first, "/var/lib/elector-a");
  EXPECT_EQ(default_state_dir(e).second, "$STATE_DIRECTORY");

  StateDirEnv root;
  root.root = true;
  const auto r = load(base(), {}, {}, root);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.state_file, "/var/lib/elector/box1.state");
  EXPECT_NE(r.settings->state_origin.find("root"), std::string::npos);
}

TEST(Options, StateDirFromEachSource) {
  const auto cli = load(base({"--state-dir", "/srv/st/"}));
  ASSERT_TRUE(cli.settings) << joined(cli.errors);
  EXPECT_EQ(cli.settings->node.state_file, "/srv/st/box1.state");
  EXPECT_EQ(cli.settings->state_origin, "--state-dir");

  const auto env = load(base(), {{"ELECTOR_STATE_DIR", "rel"}});
  ASSERT_TRUE(env.settings) << joined(env.errors);
  EXPECT_EQ(env.settings->node.state_file, "rel/box1.state");
  EXPECT_EQ(env.settings->state_origin, "ELECTOR_STATE_DIR");

  const auto file = load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "state_dir = \"/d\"\n"}});
  ASSERT_TRUE(file.settings) << joined(file.errors);
  EXPECT_EQ(file.settings->node.state_file, "/d/box1.state");
  EXPECT_EQ(file.settings->state_origin, "state_dir in /c.toml");

  // The state file itself beats any directory, with a warning.
  const auto both = load(base({"--state-dir", "/d", "--state-file", "/f/x.state"}));
  ASSERT_TRUE(both.settings) << joined(both.errors);
  EXPECT_EQ(both.settings->node.state_file, "/f/x.state");
  EXPECT_EQ(both.settings->state_dir, "/f");
  EXPECT_TRUE(both.settings->state_file_given);
  ASSERT_EQ(both.settings->warnings.size(), 1U);
  EXPECT_NE(both.settings->warnings[0].find("--state-dir ignored"), std::string::npos);
}

TEST(Options, BadStateDirIsNamed) {
  single_error(load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "state_dir = 3\n"}}),
               "state_dir in /c.toml", "3");
  single_error(load(base({"--state-dir", ""})), "--state-dir", "");
  single_error(load(base({"--state-file", "/d/"})), "--state-file", "/d/");
  single_error(load(base({"--name", "a/b"})), "--name", "a/b");
  // Neither root nor a home: no default, and the message says what to give.
  const auto none = load(base(), {}, {}, StateDirEnv{});
  ASSERT_EQ(none.errors.size(), 1U) << joined(none.errors);
  EXPECT_NE(none.errors[0].find("--state-dir"), std::string::npos) << none.errors[0];
}

TEST(Options, EveryFlag) {
  const auto r = load({"--name=box2",
                       "--listen",
                       "10.0.0.2:7002",
                       "--seeds",
                       "10.0.0.1:7001,10.0.0.3:7003",
                       "--seeds",
                       "[::1]:7004",
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
            (std::vector<std::string>{"10.0.0.1:7001", "10.0.0.3:7003", "[::1]:7004"}));
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

struct BadValue {
  std::vector<std::string> args;
  std::string origin;
  std::string value;
  std::string why;  // part of the explanation
};

void PrintTo(const BadValue& b, std::ostream* os) {
  *os << b.origin << " \"" << b.value << "\"";
}

/// "quorum_size_3" for --quorum-size x as the 3rd case: readable and unique.
std::string case_name(const ::testing::TestParamInfo<BadValue>& info) {
  std::string name;
  for (const char c : info.param.origin) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      name += c;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  return name + "_" + std::to_string(info.index);
}

class OptionsBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(OptionsBadValue, IsRejectedNamingTheKeyAndTheValue) {
  const auto& p = GetParam();
  const auto e = single_error(load(base(p.args)), p.origin, p.value);
  EXPECT_NE(e.find(p.why), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(
    EveryKey, OptionsBadValue,
    ::testing::Values(
        BadValue{{"--quorum-size", "x"}, "--quorum-size", "x", "expected an integer >= 1"},
        BadValue{{"--quorum-size", "-1"}, "--quorum-size", "-1", "or 0 for a majority"},
        BadValue{{"--cluster-size", "-2"}, "--cluster-size", "-2", "or 0 for none declared"},
        BadValue{{"--quorum-size", "3000000000"}, "--quorum-size", "3000000000", ">= 1"},
        BadValue{{"--priority", "high"}, "--priority", "high", "expected an integer"},
        BadValue{{"--election-delay", "-1"}, "--election-delay", "-1", "milliseconds"},
        BadValue{{"--election-delay", "1s"}, "--election-delay", "1s", "milliseconds"},
        BadValue{{"--hook-timeout", "0"}, "--hook-timeout", "0", "milliseconds"},
        BadValue{{"--heartbeat-interval", "0"}, "--heartbeat-interval", "0", "milliseconds"},
        BadValue{{"--heartbeat-interval", "99999999999999"},
                 "--heartbeat-interval",
                 "99999999999999",
                 "milliseconds"},
        BadValue{{"--strategy", "fastest"}, "--strategy", "fastest", "uptime_high"},
        BadValue{{"--candidate", "maybe"}, "--candidate", "maybe", "true or false"},
        BadValue{{"--automatic-elections", "2"}, "--automatic-elections", "2", "true or false"},
        BadValue{{"--hooks-execution", "everywhere"},
                 "--hooks-execution",
                 "everywhere",
                 "local or global"},
        BadValue{{"--log-format", "xml"}, "--log-format", "xml", "text or json"},
        BadValue{{"--log-level", "loud"}, "--log-level", "loud", "trace"},
        BadValue{{"--listen", "nohostport"}, "--listen", "nohostport", "HOST:PORT"},
        BadValue{{"--listen", "127.0.0.1:0"}, "--listen", "127.0.0.1:0", "1..65535"},
        BadValue{{"--listen", "127.0.0.1:70000"}, "--listen", "127.0.0.1:70000", "HOST:PORT"},
        BadValue{{"--seeds", "127.0.0.1:1,bad"}, "--seeds", "127.0.0.1:1,bad", "\"bad\""},
        BadValue{{"--control", "localhost"}, "--control", "localhost", "HOST:PORT"},
        BadValue{{"--control", "unix:"}, "--control", "unix:", "unix:PATH"},
        BadValue{{"--control", "unix:/" + std::string(107, 'x')},
                 "--control",
                 "unix:/" + std::string(107, 'x'),
                 "1 to 107 bytes"},
        BadValue{{"--name", "two words"}, "--name", "two words", "without spaces"},
        BadValue{{"--pre-election-hook", " "}, "--pre-election-hook", " ", "non-empty"}),
    case_name);

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

TEST(Options, BadEnvironmentValueNamesTheVariable) {
  const auto e =
      single_error(load(base(), {{"ELECTOR_PRIORITY", "first"}}), "ELECTOR_PRIORITY", "first");
  EXPECT_NE(e.find("expected an integer"), std::string::npos);
}

TEST(Options, BadTomlValueNamesTheKeyAndTheFile) {
  const auto r = load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "quorum_size = \"3\"\n"}});
  const auto e = single_error(r, "quorum_size in /c.toml", "3");
  EXPECT_NE(e.find("expected an integer >= 1"), std::string::npos);

  const auto f = load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "election_delay = 1.5\n"}});
  single_error(f, "election_delay in /c.toml", "1.5");
}

/// A bad value in the TOML file: the line that sets it, the key the message must name (as the
/// file spells it) and the value it must show.
struct BadTomlValue {
  std::string line;
  std::string key;
  std::string value;
  std::string why;  // part of the explanation
};

void PrintTo(const BadTomlValue& b, std::ostream* os) {
  *os << b.line;
}

std::string toml_case_name(const ::testing::TestParamInfo<BadTomlValue>& info) {
  return info.param.key + "_" + std::to_string(info.index);
}

/// The kebab-case flag of a TOML key: what a message about the file must not name.
std::string flag_of(const std::string& key) {
  std::string flag = "--";
  for (const char c : key) flag += c == '_' ? '-' : c;
  return flag;
}

class OptionsBadTomlValue : public ::testing::TestWithParam<BadTomlValue> {};

TEST_P(OptionsBadTomlValue, IsRejectedNamingTheTomlKeyNotTheFlag) {
  const auto& p = GetParam();
  // Only the file sets name and listen (the command line would win), and the secret comes from
  // the environment, so that the file's insecure is not overridden either.
  std::string toml = p.line + "\n";
  if (p.key != "name") toml += "name = \"box1\"\n";
  if (p.key != "listen") toml += "listen = \"127.0.0.1:7001\"\n";
  const auto r = load({"--config", "/c.toml"}, {{"ELECTOR_COOKIE", "s"}}, {{"/c.toml", toml}});
  const auto e = single_error(r, "bad value for " + p.key + " in /c.toml: ", p.value);
  EXPECT_NE(e.find(p.why), std::string::npos) << e;
  EXPECT_EQ(e.find(flag_of(p.key)), std::string::npos) << e;
  EXPECT_EQ(e.find("ELECTOR_"), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(
    EveryTomlKey, OptionsBadTomlValue,
    ::testing::Values(
        BadTomlValue{"name = \"two words\"", "name", "two words", "without spaces"},
        BadTomlValue{"name = \"a/b\"", "name", "a/b", "named after the node"},
        BadTomlValue{"name = \"" + std::string(300, 'n') + "\"", "name",
                     std::string(32, 'n') + "...", "longer than 255 bytes"},
        BadTomlValue{"listen = \"127.0.0.1:0\"", "listen", "127.0.0.1:0", "1..65535"},
        BadTomlValue{"seeds = [\"h:1\", \"bad\"]", "seeds", "h:1,bad", "\"bad\""},
        BadTomlValue{"control = \"localhost\"", "control", "localhost", "HOST:PORT"},
        BadTomlValue{"control_token_file = 3", "control_token_file", "3", "a file name"},
        BadTomlValue{"cookie_file = 3", "cookie_file", "3", "a file name"},
        BadTomlValue{"insecure = \"yes\"", "insecure", "yes", "true or false"},
        BadTomlValue{"strategy = \"fastest\"", "strategy", "fastest", "uptime_high"},
        BadTomlValue{"priority = \"1\"", "priority", "1", "an integer"},
        BadTomlValue{"election_delay = -1", "election_delay", "-1", "milliseconds"},
        BadTomlValue{"quorum_size = \"3\"", "quorum_size", "3", "or 0 for a majority"},
        BadTomlValue{"cluster_size = -2", "cluster_size", "-2", "or 0 for none declared"},
        BadTomlValue{"candidate = \"no\"", "candidate", "no", "true or false"},
        BadTomlValue{"candidate_node = 1", "candidate_node", "1", "true or false"},
        BadTomlValue{"hooks_execution = \"everywhere\"", "hooks_execution", "everywhere",
                     "local or global"},
        BadTomlValue{"automatic_elections = 1", "automatic_elections", "1", "true or false"},
        BadTomlValue{"pre_election_hook = [\" \"]", "pre_election_hook", " ", "non-empty"},
        BadTomlValue{"pre_election_hooks = [1]", "pre_election_hooks", "[ 1 ]", "shell command"},
        BadTomlValue{"post_election_hook = 5", "post_election_hook", "5", "shell command"},
        BadTomlValue{"hook_timeout = 0", "hook_timeout", "0", "milliseconds"},
        BadTomlValue{"heartbeat_interval = 0", "heartbeat_interval", "0", "milliseconds"},
        BadTomlValue{"event_log = 4", "event_log", "4", "a file name"},
        BadTomlValue{"log_format = \"xml\"", "log_format", "xml", "text or json"},
        BadTomlValue{"log_level = \"loud\"", "log_level", "loud", "trace"},
        BadTomlValue{"state_dir = \"\"", "state_dir", "", "a directory name"},
        BadTomlValue{"state_file = \"/d/\"", "state_file", "/d/", "a file name"}),
    toml_case_name);

TEST(Options, FilesNamedInTheTomlFileAreNamedByTheirKey) {
  const std::string toml = "name = \"a\"\nlisten = \"h:1\"\ncookie_file = \"/nope\"\n";
  const auto cookie = load({"--config", "/c.toml"}, {}, {{"/c.toml", toml}});
  ASSERT_EQ(cookie.errors.size(), 1U) << joined(cookie.errors);
  EXPECT_NE(cookie.errors[0].find("cannot read cookie_file in /c.toml \"/nope\""),
            std::string::npos)
      << cookie.errors[0];

  const auto token =
      load(base({"--config", "/c.toml"}), {},
           {{"/c.toml", "control_token_file = \"/token\"\n"}, {"/token", "short\n"}});
  const auto e = single_error(token, "bad value for control_token_file in /c.toml: ", "/token");
  EXPECT_EQ(e.find("--control-token-file"), std::string::npos) << e;
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

TEST(Options, EveryBadValueIsReported) {
  const auto r = load(base({"--quorum-size", "x", "--priority", "y", "--log-level", "z"}));
  EXPECT_FALSE(r.settings);
  EXPECT_EQ(r.errors.size(), 3U) << joined(r.errors);
}

TEST(Options, UnknownTomlKeysAreErrors) {
  const auto r = load(base({"--config", "/c.toml"}), {},
                      {{"/c.toml", "quorum_sise = 2\nquorum-size = 2\ncookie = \"s\"\n"}});
  EXPECT_FALSE(r.settings);
  const auto all = joined(r.errors);
  EXPECT_EQ(r.errors.size(), 3U) << all;
  EXPECT_NE(all.find("unknown key \"quorum_sise\" in config file \"/c.toml\""), std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown key \"quorum-size\""), std::string::npos) << all;
  EXPECT_NE(all.find("did you mean quorum_size?"), std::string::npos) << all;
  EXPECT_NE(all.find("unknown key \"cookie\""), std::string::npos) << all;
  EXPECT_NE(all.find("cookie_file"), std::string::npos) << all;
}

TEST(Options, TomlTablesAndConfigKeyAreUnknown) {
  const auto r =
      load(base({"--config", "/c.toml"}), {},
           {{"/c.toml", "config = \"/other.toml\"\n[membership]\nprobe_interval = 1\n"}});
  EXPECT_EQ(r.errors.size(), 2U) << joined(r.errors);
  const auto all = joined(r.errors);
  EXPECT_NE(all.find("\"config\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"membership\""), std::string::npos) << all;
}

TEST(Options, BothSpellingsOfAKeyInOneFileAreAnError) {
  const auto r = load(base({"--config", "/c.toml"}), {},
                      {{"/c.toml", "pre_election_hook = \"a\"\npre_election_hooks = [\"b\"]\n"}});
  ASSERT_EQ(r.errors.size(), 1U) << joined(r.errors);
  EXPECT_NE(r.errors[0].find("pre_election_hook"), std::string::npos);
  EXPECT_NE(r.errors[0].find("pre_election_hooks"), std::string::npos);
}

TEST(Options, TomlSyntaxErrorNamesTheFileAndLine) {
  const auto r =
      load(base({"--config", "/c.toml"}), {}, {{"/c.toml", "name = \"a\"\nlisten = \n"}});
  ASSERT_EQ(r.errors.size(), 1U) << joined(r.errors);
  EXPECT_NE(r.errors[0].find("cannot parse config file \"/c.toml\": line 2"), std::string::npos)
      << r.errors[0];
}

TEST(Options, TomlTextThatTomlPlusPlusMishandlesIsASyntaxError) {
  // toml++ 3.3.0 reaches __builtin_unreachable() on this text (daemon/toml_parse.hpp).
  const auto r = load(base({"--config", "/c.toml"}), {},
                      {{"/c.toml", "name = \"caf\xc3\xa9\"\nlisten = \xc3\xa9\n"}});
  ASSERT_EQ(r.errors.size(), 1U) << joined(r.errors);
  EXPECT_NE(r.errors[0].find("cannot parse config file \"/c.toml\": line 2, column 10: a "
                             "non-ASCII character where TOML allows none"),
            std::string::npos)
      << r.errors[0];
}

TEST(Options, MissingConfigFileIsNamed) {
  const auto r = load(base({"--config", "/nope.toml"}));
  ASSERT_EQ(r.errors.size(), 1U) << joined(r.errors);
  EXPECT_NE(r.errors[0].find("--config \"/nope.toml\": No such file"), std::string::npos)
      << r.errors[0];
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

TEST(Options, NoSecretIsRefusedWithBothWaysAndTheInsecureFlag) {
  const auto r = load({"--name", "a", "--listen", "127.0.0.1:1"});
  EXPECT_FALSE(r.settings);
  ASSERT_EQ(r.errors.size(), 1U) << joined(r.errors);
  const auto& e = r.errors[0];
  EXPECT_NE(e.find("no cluster secret"), std::string::npos) << e;
  EXPECT_NE(e.find("--cookie-file"), std::string::npos) << e;
  EXPECT_NE(e.find("ELECTOR_COOKIE"), std::string::npos) << e;
  EXPECT_NE(e.find("--insecure"), std::string::npos) << e;
}

TEST(Options, InsecureIsAllowedAndCanBeTurnedOff) {
  const auto r = load({"--name", "a", "--listen", "127.0.0.1:1", "--insecure"});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_TRUE(r.settings->node.insecure);
  EXPECT_TRUE(r.settings->secret_source.empty());
  const auto off = load({"--name", "a", "--listen", "127.0.0.1:1", "--insecure=false"},
                        {{"ELECTOR_INSECURE", "true"}});
  EXPECT_FALSE(off.settings);  // the command line turned it off again: no secret
}

TEST(Options, SecretWinsOverInsecureWithAWarning) {
  const auto r = load(base(), {{"ELECTOR_COOKIE", "s3"}});
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.cookie, "s3");
  EXPECT_FALSE(r.settings->node.insecure);
  ASSERT_EQ(r.settings->warnings.size(), 1U);
  EXPECT_NE(r.settings->warnings[0].find("insecure ignored"), std::string::npos);
}

TEST(Options, SecretPrecedence) {
  const Files files = {{"/c.toml", "cookie_file = \"/toml-secret\"\n"},
                       {"/toml-secret", "from-toml\n"},
                       {"/cli-secret", "from-cli"}};
  const std::vector<std::string> args = {"--name",      "a",        "--listen",
                                         "127.0.0.1:1", "--config", "/c.toml"};
  const auto from_file = load(args, {}, files);
  ASSERT_TRUE(from_file.settings) << joined(from_file.errors);
  EXPECT_EQ(from_file.settings->node.cookie, "from-toml");

  const auto env_beats_file = load(args, {{"ELECTOR_COOKIE", "from-env"}}, files);
  ASSERT_TRUE(env_beats_file.settings) << joined(env_beats_file.errors);
  EXPECT_EQ(env_beats_file.settings->node.cookie, "from-env");

  auto cli_args = args;
  cli_args.insert(cli_args.end(), {"--cookie-file", "/cli-secret"});
  const auto cli_beats_env = load(cli_args, {{"ELECTOR_COOKIE", "from-env"}}, files);
  ASSERT_TRUE(cli_beats_env.settings) << joined(cli_beats_env.errors);
  EXPECT_EQ(cli_beats_env.settings->node.cookie, "from-cli");

  const auto both_env =
      load(args, {{"ELECTOR_COOKIE", "x"}, {"ELECTOR_COOKIE_FILE", "/cli-secret"}}, files);
  ASSERT_EQ(both_env.errors.size(), 1U) << joined(both_env.errors);
  EXPECT_NE(both_env.errors[0].find("both ELECTOR_COOKIE and ELECTOR_COOKIE_FILE"),
            std::string::npos);
}

TEST(Options, UnreadableOrEmptyCookieFile) {
  const auto missing = load({"--name", "a", "--listen", "127.0.0.1:1", "--cookie-file", "/nope"});
  ASSERT_EQ(missing.errors.size(), 1U) << joined(missing.errors);
  EXPECT_NE(missing.errors[0].find("cannot read --cookie-file \"/nope\""), std::string::npos)
      << missing.errors[0];
  const auto empty = load({"--name", "a", "--listen", "127.0.0.1:1", "--cookie-file", "/empty"}, {},
                          {{"/empty", "\n"}});
  ASSERT_EQ(empty.errors.size(), 1U) << joined(empty.errors);
  EXPECT_NE(empty.errors[0].find("empty"), std::string::npos) << empty.errors[0];
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

TEST(Options, TheExampleConfigFileLoads) {
  const auto example = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                       "docs" / "electord.example.toml";
  OptionsInput in;
  in.args = {"--config", example.string()};
  in.env = {{"ELECTOR_COOKIE", "test"}};  // instead of the example's cookie file
  const auto r = load_options(in);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->node.name, "box1");
  EXPECT_EQ(r.settings->node.quorum_size, 0);  // the default: a majority
  EXPECT_EQ(r.settings->post_election_hooks.size(), 1U);
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

}  // namespace
TEST(Options, ControlTokenIsReadFromItsFile) {
  const Files files = {{"/token", "0123456789abcdef-xyz\n"}};
  const auto r = load(base({"--control-token-file", "/token"}), {}, files);
  ASSERT_TRUE(r.settings) << joined(r.errors);
  EXPECT_EQ(r.settings->control_token, "0123456789abcdef-xyz");
  const auto none = load(base());
  ASSERT_TRUE(none.settings) << joined(none.errors);
  EXPECT_TRUE(none.settings->control_token.empty());
}

TEST(Options, BadControlTokenIsRejectedNamingTheFile) {
  for (const char* token : {"short", "has a blank in the middle", ""}) {
    const Files files = {{"/token", token}};
    const auto e = single_error(load(base({"--control-token-file", "/token"}), {}, files),
                                "--control-token-file", "/token");
    EXPECT_NE(e.find("at least 16 printable characters"), std::string::npos) << e;
  }
  const auto e = single_error(load(base({"--control-token-file", "/missing"})),
                              "--control-token-file", "/missing");
  EXPECT_NE(e.find("No such file"), std::string::npos) << e;
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

}  // namespace elector::daemon
