#include "daemon/event_log.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/daemon_test_util.hpp"
#include "daemon/event_json.hpp"

namespace elector::daemon {
namespace {

using testing::slurp;
using testing::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(EventLog, AppendsOneJsonObjectPerLine) {
  TempDir dir;
  const auto path = dir.file("events.jsonl");
  std::string err;
  auto log = EventLog::open(path, err);
  ASSERT_TRUE(log) << err;
  ASSERT_TRUE(log->append(event_line(elector::from_ns(1), "box1", elector::LeadershipAcquired{3})));
  // Visible at once: nothing waits in a buffer.
  EXPECT_EQ(lines_of(slurp(path)).size(), 1U);
  ASSERT_TRUE(
      log->append(event_line(elector::from_ns(2), "box1", elector::LeaderChanged{"box1", 3})));
  const auto lines = lines_of(slurp(path));
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["event"], "leadership_acquired");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["leader"], "box1");
  EXPECT_EQ(slurp(path).back(), '\n');
}

TEST(EventLog, AppendsToAnExistingFile) {
  TempDir dir;
  const auto path = dir.file("events.jsonl");
  testing::write_file(path, "{\"old\":1}\n");
  std::string err;
  {
    auto log = EventLog::open(path, err);
    ASSERT_TRUE(log) << err;
    log->append("{\"new\":1}");
  }
  {
    auto again = EventLog::open(path, err);
    ASSERT_TRUE(again) << err;
    again->append("{\"new\":2}");
  }
  EXPECT_EQ(slurp(path), "{\"old\":1}\n{\"new\":1}\n{\"new\":2}\n");
}

TEST(EventLog, ConcurrentWritersNeverInterleave) {
  TempDir dir;
  const auto path = dir.file("events.jsonl");
  std::string err;
  auto log = EventLog::open(path, err);
  ASSERT_TRUE(log) << err;
  constexpr int kThreads = 4;
  constexpr int kLines = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) {
        nlohmann::json j = {{"thread", t}, {"i", i}, {"pad", std::string(200, 'x')}};
        log->append(j.dump());
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = lines_of(slurp(path));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l);  // throws (fails the test) on a torn line
    const int t = j["thread"];
    EXPECT_EQ(j["i"], next[static_cast<std::size_t>(t)]++);
  }
}

TEST(EventLog, UnopenableFileIsReported) {
  TempDir dir;
  std::string err;
  EXPECT_FALSE(EventLog::open(dir.file("no/such/dir/events.jsonl"), err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace elector::daemon
