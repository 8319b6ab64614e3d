#include "ctl/sse.hpp"

#include <gtest/gtest.h>

namespace elector::ctl {
namespace {

const std::string kStream =
    ": keepalive\n\n"
    "event: leader_changed\n"
    "data: {\"event\": \"leader_changed\", \"leader\": \"box1\", \"term\": 7}\n"
    "\n"
    "event: member_up\r\n"
    "data: {\"event\": \"member_up\",\r\n"
    "data:\"member\": \"box3\"}\r\n"
    "\r\n"
    "id: 5\n"
    "event: nothing\n"
    "\n";

void expect_events(const std::vector<SseEvent>& events) {
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "leader_changed");
  EXPECT_EQ(events[0].data, R"({"event": "leader_changed", "leader": "box1", "term": 7})");
  EXPECT_EQ(events[1].type, "member_up");
  EXPECT_EQ(events[1].data, "{\"event\": \"member_up\",\n\"member\": \"box3\"}");
}

TEST(Sse, ParsesAWholeStream) {
  SseParser parser;
  expect_events(parser.feed(kStream));
}

TEST(Sse, ParsesAStreamSplitAtEveryByte) {
  SseParser parser;
  std::vector<SseEvent> all;
  for (const char c : kStream) {
    for (auto& e : parser.feed(std::string_view(&c, 1))) all.push_back(std::move(e));
  }
  expect_events(all);
}

TEST(Sse, AnIncompleteEventWaitsForItsBlankLine) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: {\"a\":1}\n").empty());
  const auto events = parser.feed("\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[0].type, "");
}

TEST(Sse, CrAloneEndsALine) {
  SseParser parser;
  const auto events = parser.feed("data: x\r\rdata: y\r\r");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[1].data, "y");
}

}  // namespace
}  // namespace elector::ctl
