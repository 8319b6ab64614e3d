// The event stream (GET /v1/events, server-sent events): published events reach every open
// stream, idle streams get keepalives, a client that leaves is unsubscribed, the number of
// streams is capped, and a subscriber too slow to keep up loses the oldest frames and is told
// (EventBroadcaster).

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "daemon/api_fixture.hpp"
#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"
#include "daemon/event_json.hpp"

namespace elector::daemon {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST_F(ControlServerTest, EventStreamDeliversPublishedEvents) {
  ControlServerOptions o;
  o.keepalive = 100ms;
  start(o);
  EventReader reader(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  const auto line = event_line(elector::from_ns(123456789), "box2",
                               elector::LeaderChanged{std::string("box1"), 7});
  server->publish("leader_changed", line);
  const std::string frame = "event: leader_changed\ndata: " + line + "\n\n";
  ASSERT_TRUE(testing::wait_until([&] { return reader.text().find(frame) != std::string::npos; }))
      << reader.text();
  EXPECT_EQ(
      line,
      R"({"t_mono_ns":123456789,"node":"box2","event":"leader_changed","leader":"box1","term":7})");
  // Idle streams get keepalive comments.
  ASSERT_TRUE(testing::wait_until(
      [&] { return reader.text().find(": keepalive\n\n") != std::string::npos; }));

  // A client that goes away is unsubscribed (noticed at the next write).
  reader.stop();
  ASSERT_TRUE(testing::wait_until([&] { return reader.ended(); }));
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 0; }));
}

TEST_F(ControlServerTest, StopDoesNotHangOnOpenStreams) {
  EventReader a(server->port());
  EventReader b(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 2; }));
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(testing::wait_until([&] { return a.ended() && b.ended(); }));
  EXPECT_EQ(server->event_streams(), 0U);
}

TEST_F(ControlServerTest, TooManyStreamsAreRefused) {
  ControlServerOptions o;
  o.max_event_streams = 1;
  start(o);
  EventReader first(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  EventReader second(server->port());
  ASSERT_TRUE(testing::wait_until([&] { return second.ended(); }));
  EXPECT_EQ(second.status(), 503);
  // Other requests are still served.
  auto c = client();
  const auto r = c.Get("/v1/leader");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ControlServerTest, ClientLeavingMidStreamIsUnsubscribed) {
  const int fd = connect_tcp(server->port());
  ASSERT_GE(fd, 0);
  send_text(fd, "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 1; }));
  server->publish("leader_changed", "{\"leader\":\"box1\"}");
  std::string seen;
  ASSERT_TRUE(testing::wait_until([&] {
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
    return seen.find("data: {\"leader\":\"box1\"}\n\n") != std::string::npos;
  })) << seen;
  EXPECT_EQ(seen.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << seen;
  EXPECT_NE(seen.find("Content-Type: text/event-stream\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Cache-Control: no-cache\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << seen;
  ::close(fd);
  // Noticed at once (long before the 15 s keepalive), and publishing afterwards is harmless.
  ASSERT_TRUE(testing::wait_until([&] { return server->event_streams() == 0; }, 5s));
  for (int i = 0; i < 100; ++i) server->publish("e", "{}");
  expect_serves_again();
}

TEST(EventBroadcaster, SlowSubscriberLosesOldestAndIsTold) {
  EventBroadcaster b(EventBroadcaster::Options{2, 4});
  auto sub = b.subscribe();
  ASSERT_TRUE(sub);
  b.publish("e", "1");
  b.publish("e", "2");
  b.publish("e", "3");
  std::string out;
  EXPECT_EQ(sub->next(0ms, out), EventBroadcaster::Subscription::Wait::frames);
  const auto& e = b.epoch();
  EXPECT_EQ(out, "id: " + e + "-1\nevent: dropped\ndata: {\"event\":\"dropped\",\"count\":1}\n\n" +
                     "id: " + e + "-2\nevent: e\ndata: 2\n\nid: " + e +
                     "-3\nevent: e\ndata: 3\n\n");
  out.clear();
  EXPECT_EQ(sub->next(1ms, out), EventBroadcaster::Subscription::Wait::timeout);
  b.close();
  EXPECT_EQ(sub->next(10s, out), EventBroadcaster::Subscription::Wait::closed);
  EXPECT_FALSE(b.subscribe());
  sub.reset();
  EXPECT_EQ(b.subscribers(), 0U);
}

}  // namespace
}  // namespace elector::daemon
