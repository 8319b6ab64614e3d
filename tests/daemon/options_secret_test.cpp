// The cluster secret and the control token in electord's settings: no secret without
// --insecure, which source of the secret wins, unreadable or empty cookie files, and the control
// token read from its file.

#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/options_load.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

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

}  // namespace
}  // namespace elector::daemon
