// Settings electord refuses, each error naming where the value came from (flag, environment
// variable, or key in the TOML file) and the value: bad values of every key, unknown and doubled
// TOML keys, TOML syntax errors, and a missing config file.

#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/options_load.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

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
        BadValue{{"--listen", "0.0.0.0:7946"}, "--listen", "0.0.0.0:7946", "--advertise"},
        BadValue{{"--listen", "[::]:7946"}, "--listen", "[::]:7946", "--advertise"},
        BadValue{{"--advertise", "10.0.0.5"}, "--advertise", "10.0.0.5", "HOST:PORT"},
        BadValue{
            {"--advertise", "0.0.0.0:7946"}, "--advertise", "0.0.0.0:7946", "names every address"},
        BadValue{{"--seeds", "127.0.0.1:1,bad"}, "--seeds", "127.0.0.1:1,bad", "\"bad\""},
        BadValue{{"--seeds", "srv:no spaces"}, "--seeds", "srv:no spaces", "DNS name after srv:"},
        BadValue{{"--control", "localhost"}, "--control", "localhost", "HOST:PORT"},
        BadValue{{"--control", "unix:"}, "--control", "unix:", "unix:PATH"},
        BadValue{{"--control", "unix:/" + std::string(107, 'x')},
                 "--control",
                 "unix:/" + std::string(107, 'x'),
                 "1 to 107 bytes"},
        BadValue{{"--name", "two words"}, "--name", "two words", "without spaces"},
        BadValue{{"--pre-election-hook", " "}, "--pre-election-hook", " ", "non-empty"}),
    case_name);

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

}  // namespace
}  // namespace elector::daemon
