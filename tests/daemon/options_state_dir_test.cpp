// Where electord keeps its state file: the default directory for root, a user and systemd, the
// directory from each source, and bad directories and names.

#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <string>

#include "daemon/options_load.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

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

}  // namespace
}  // namespace elector::daemon
