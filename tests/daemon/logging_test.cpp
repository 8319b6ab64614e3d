// electord's logs: the level names of the JSON lines, and the node's diagnostics reaching the
// default logger at their own level.
#include "daemon/logging.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace elector::daemon {
namespace {

using elector::LogLevel;

std::string json_line(spdlog::level::level_enum level, const std::string& text) {
  const auto formatter = make_json_formatter("box1");
  const spdlog::details::log_msg msg("electord", level, text);
  spdlog::memory_buf_t buf;
  formatter->format(msg, buf);
  return {buf.data(), buf.size()};
}

TEST(Logging, JsonLinesNameTheLevelAsLogLevelSpellsIt) {
  const std::pair<spdlog::level::level_enum, const char*> cases[] = {
      {spdlog::level::trace, "trace"}, {spdlog::level::debug, "debug"},
      {spdlog::level::info, "info"},   {spdlog::level::warn, "warn"},
      {spdlog::level::err, "error"},   {spdlog::level::critical, "critical"},
  };
  for (const auto& [level, name] : cases) {
    const auto line = json_line(level, "hello \"you\"");
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("level"), name) << line;
    EXPECT_EQ(j.at("node"), "box1");
    EXPECT_EQ(j.at("msg"), "hello \"you\"");
    // The keys in a fixed order, as readers of the raw lines expect them.
    EXPECT_EQ(line.find("{\"ts\":\""), 0U) << line;
    EXPECT_LT(line.find("\"t_mono_ns\":"), line.find("\"level\":")) << line;
    EXPECT_LT(line.find("\"level\":"), line.find("\"node\":")) << line;
    EXPECT_LT(line.find("\"node\":"), line.find("\"msg\":")) << line;
  }
}

TEST(Logging, EveryLevelHasItsName) {
  std::string names;
  for (const auto l : elector::kLogLevels) names += std::string(elector::to_string(l)) + " ";
  EXPECT_EQ(names, "trace debug info warn error critical off ");
}

/// Makes a logger writing "LEVEL|TEXT" lines into `out` the default one, for one test.
class NodeLines : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    sink->set_pattern("%l|%v");
    auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(NodeLines, TheNodesDiagnosticsKeepTheirLevel) {
  log_node(LogLevel::info, "listening");
  log_node(LogLevel::warn, "cannot resolve");
  log_node(LogLevel::error, "a callback threw");
  log_node(LogLevel::debug, "d");
  log_node(LogLevel::trace, "t");
  log_node(LogLevel::critical, "c");
  log_node(LogLevel::off, "never written");
  EXPECT_EQ(out_.str(),
            "info|listening\nwarning|cannot resolve\nerror|a callback threw\ndebug|d\ntrace|t\n"
            "critical|c\n");
}

}  // namespace
}  // namespace elector::daemon
