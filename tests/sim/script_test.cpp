// The scenario scripts of tests/sim/testdata/*.txt, replayed: each command's output must be the
// golden one recorded under it. After a change that is meant to alter them, rewrite the files
// and read the diff:
//
//   ELECTOR_REWRITE=1 build/bin/elector-tests --gtest_filter='Scripts/*'
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
