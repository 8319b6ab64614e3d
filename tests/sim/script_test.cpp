// The scenario scripts of tests/sim/testdata/*.txt, replayed: each command's output must be the
// golden one recorded under it. After a change that is meant to alter them, rewrite the files
// and read the diff:
//
//   ELECTOR_REWRITE=1 build/bin/elector-tests --gtest_filter='Golden/*'
//   git diff tests/sim/testdata
//
// docs/testing.md, "Scenario scripts", describes the commands (also src/sim/script.hpp).
#include "sim/script.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace elector::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> script_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(ELECTOR_SCRIPT_DIR)) {
    if (e.path().extension() == ".txt") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Scripts : public ::testing::TestWithParam<std::string> {};

TEST_P(Scripts, ReplayGivesTheGoldenOutput) {
  const fs::path path = fs::path(ELECTOR_SCRIPT_DIR) / (GetParam() + ".txt");
  const std::string text = read(path);
  const auto cases = sim::parse_script(text);
  ASSERT_FALSE(cases.empty()) << path << " holds no command";
  sim::Script script;
  std::vector<std::string> outputs;
  for (const auto& c : cases) {
    outputs.push_back(script.run(c.command));
    if (!std::getenv("ELECTOR_REWRITE")) {
      EXPECT_EQ(outputs.back(), c.expected)
          << path.filename().string() << ":" << c.line << ": " << c.command
          << " (ELECTOR_REWRITE=1 rewrites the file)";
    }
  }
  if (std::getenv("ELECTOR_REWRITE")) {
    std::ofstream(path, std::ios::trunc) << sim::render_script(cases, outputs);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Golden, Scripts, ::testing::ValuesIn(script_files()), test_name);

// The format round-trips: rendering what was parsed, with the recorded outputs, gives the file.
TEST(ScriptFormat, RenderingTheParsedCasesGivesTheTextBack) {
  const std::string text =
      "# a comment\ncluster nodes=3\n----\nok\n\n# two\n# lines\nstart\n----\nok\n\n"
      "status\n----\nbox1 follower term=0 leader=none\nbox2 down\n";
  const auto cases = sim::parse_script(text);
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[2].expected, "box1 follower term=0 leader=none\nbox2 down");
  EXPECT_EQ(cases[1].line, 8);
  std::vector<std::string> outs;
  for (const auto& c : cases) outs.push_back(c.expected);
  EXPECT_EQ(sim::render_script(cases, outs), text);
}

TEST(ScriptFormat, ACommandWithoutItsSeparatorIsNamedByItsLine) {
  try {
    (void)sim::parse_script("cluster nodes=3\n----\nok\n\nstart\nok\n");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 5"), std::string::npos) << e.what();
  }
}

TEST(ScriptCommands, BadCommandsAreRecordedAsErrorsAndChangeNothing) {
  sim::Script s;
  EXPECT_EQ(s.run("start"), "error: no cluster yet: start the script with `cluster nodes=N`");
  EXPECT_EQ(s.run("cluster nodes=3 colour=red"), "error: cluster has no option \"colour\"");
  EXPECT_EQ(s.run("cluster nodes=3"), "ok");
  EXPECT_EQ(s.run("crash box9"), "error: no node \"box9\"");
  EXPECT_EQ(s.run("loss 2"), "error: a probability is between 0 and 1, not \"2\"");
  EXPECT_EQ(s.run("fly box1"), "error: unknown command \"fly\"");
  EXPECT_EQ(s.run("trace"), "no events");
}

// The commands added for membership, messages and hooks reject what they cannot read, and
// their outputs parse back and render as they were.
TEST(ScriptCommands, QueryCommandsNameTheirMistakes) {
  sim::Script s;
  EXPECT_EQ(s.run("cluster nodes=3 stagger=0.5555"),
            "error: stagger wants milliseconds with up to three decimals, not \"0.5555\"");
  EXPECT_EQ(s.run("cluster nodes=3 hooks=everywhere"),
            "error: hooks is local or global, not \"everywhere\"");
  EXPECT_EQ(s.run("cluster nodes=3 trace=of"), "error: trace is on or off, not \"of\"");
  EXPECT_EQ(s.run("cluster nodes=3 stagger=0.5 watchers=2 hooks=global post-hooks=post"), "ok");
  EXPECT_EQ(s.run("messages"), "error: messages needs a kind: heartbeat, vote, ..., all");
  EXPECT_EQ(s.run("hang-hooks box1 maybe"), "error: hang-hooks NAME on|off");
  EXPECT_EQ(s.run("view box7"), "error: no node \"box7\"");
  EXPECT_EQ(s.run("run-until member=box1:asleep"),
            "error: run-until member=NAME:alive|suspect|dead|left [by=NAME]");
  EXPECT_EQ(s.run("run-until agreed check-every=x"),
            "error: check-every wants a non-negative whole number, not \"x\"");
}

TEST(ScriptCommands, QueriesReportTheClusterAndRoundTrip) {
  const std::vector<std::string> cmds = {"cluster nodes=3 hooks=global post-hooks=post",
                                         "start",
                                         "run-until agreed=box1",
                                         "run-until member=box3:alive by=box1 limit=0",
                                         "messages heartbeat",
                                         "run-for 1000",
                                         "messages heartbeat all",
                                         "view box1",
                                         "view box1 box2",
                                         "probing",
                                         "connected box1",
                                         "leaders",
                                         "lease box2",
                                         "campaign box1",
                                         "hooks",
                                         "hooks"};
  sim::Script s;
  std::vector<sim::ScriptCase> cases;
  std::vector<std::string> outs;
  for (const auto& c : cmds) {
    cases.push_back({"", c, "", 0});
    outs.push_back(s.run(c));
    EXPECT_EQ(outs.back().rfind("error", 0), std::string::npos) << c << ": " << outs.back();
  }
  EXPECT_EQ(outs[3].substr(outs[3].find(' ') + 1), "box3 alive to box1");
  EXPECT_EQ(outs[6].substr(0, 27), "heartbeat +20 in 1000.000ms");
  EXPECT_EQ(outs[7], "box1 knows 2 of 2: alive=2 suspect=0 dead=0 left=0");
  EXPECT_EQ(outs[8], "box1 sees box2 alive");
  EXPECT_EQ(outs[11], "leaders now: box1; acquisitions=1");
  EXPECT_EQ(outs[12], "box2 lease ends never, not valid");
  EXPECT_EQ(outs[15], "no hook runs");  // the first `hooks` printed them all
  // Every node ran the post hook for box1 (global execution).
  for (const char* n : {"box1 post post", "box2 post post", "box3 post post"}) {
    EXPECT_NE(outs[14].find(n), std::string::npos) << outs[14];
  }
  const std::string text = sim::render_script(cases, outs);
  const auto parsed = sim::parse_script(text);
  ASSERT_EQ(parsed.size(), cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    EXPECT_EQ(parsed[i].command, cmds[i]);
    EXPECT_EQ(parsed[i].expected, outs[i]);
  }
}

// The same script gives the same text: outputs depend on the script alone.
TEST(ScriptCommands, TheSameCommandsGiveTheSameOutput) {
  const std::vector<std::string> cmds = {"cluster nodes=5 seed=9",
                                         "start",
                                         "run-until agreed",
                                         "crash box1",
                                         "run-until agreed",
                                         "trace",
                                         "status"};
  std::vector<std::string> first, second;
  sim::Script a, b;
  for (const auto& c : cmds) first.push_back(a.run(c));
  for (const auto& c : cmds) second.push_back(b.run(c));
  EXPECT_EQ(first, second);
  EXPECT_NE(first[5], "no events");
}

}  // namespace
}  // namespace elector::test
