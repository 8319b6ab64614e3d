// What a transport drops, and counts in its stats by reason: packets under another secret
// (unauthenticated), a packet it has seen before (replayed), a frame over the limit from a peer
// that said hello (oversized: closed with a goodbye), a message over the send queue's limit and
// one to an address where nobody listens (unreachable).

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "net/transport.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace testing;

TEST(Transport, WrongSecretIsDroppedAsUnauthenticated) {
  Peer b("b", 2, kSecret);
  Peer d("d", 4, "another secret");
  d.send("b", b.addr(), heartbeat_env("d", d.addr()));  // TCP: its hello fails first
  d.send("b", b.addr(), ping_env("d", d.addr()));       // UDP
  // At least the hello on the connection and the datagram.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (value_or_zero(b.t->stats().dropped, "unauthenticated") < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  b.barrier();
  const auto s = b.t->stats();
  EXPECT_GE(value_or_zero(s.dropped, "unauthenticated"), 2u);
  EXPECT_EQ(s.messages_in, 0u);
  EXPECT_TRUE(s.in_by_kind.empty());
  EXPECT_EQ(b.rec.count_messages(), 0u);
  d.t->stop();
  b.t->stop();
}

TEST(Transport, ReplayedPacketIsDroppedOnce) {
  // The other side of the resend test: the transport does drop a packet it has seen, so "no
  // replayed entry" above means something.
  Peer b("b", 2, kSecret);
  RawClient r(b.addr());
  r.expect_hello("b");
  const Bytes p = r.sealed(wire::PacketType::message, wire::Identity{"r", 1},
                           wire::encode(heartbeat_env("r", "127.0.0.1:1")));
  r.write_raw(concat({frame(p), frame(p)}));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (value_or_zero(b.t->stats().dropped, "replayed") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  b.barrier();
  const auto s = b.t->stats();
  EXPECT_EQ(value_or_zero(s.dropped, "replayed"), 1u);
  EXPECT_EQ(b.rec.count_messages(), 1u);
  EXPECT_EQ(value_or_zero(s.in_by_kind, "heartbeat"), 1u);
  r.close();
  b.t->stop();
}

TEST(Transport, OversizedFrameIsCountedAndClosedWithGoodbye) {
  Peer b("b", 2, kSecret);
  RawClient o(b.addr());
  o.expect_hello("b");
  o.send(wire::PacketType::hello, wire::Identity{"o", 3});
  o.write_raw(header(static_cast<std::uint32_t>(wire::kMaxPacket + 1)));
  // B ends the connection on purpose: it says goodbye first, then closes.
  EXPECT_EQ(o.next_type("b"), std::optional<wire::PacketType>(wire::PacketType::goodbye));
  EXPECT_EQ(o.next_type("b"), std::nullopt);
  o.close();
  b.barrier();
  const auto s = b.t->stats();
  EXPECT_EQ(value_or_zero(s.dropped, "oversized"), 1u);
  EXPECT_EQ(b.rec.count_messages(), 0u);
  {
    // Closed by B itself: not a death of "o".
    std::lock_guard lk(b.rec.mu);
    EXPECT_TRUE(b.rec.gone.empty());
  }
  b.t->stop();
}

TEST(Transport, SendQueueLimitDropsWhatDoesNotFit) {
  Peer a("a", 1, kSecret, 2048);
  Peer b("b", 2, kSecret);
  auto state = std::make_shared<std::vector<core::MemberUpdate>>();
  for (int i = 0; i < 200; ++i) {
    core::MemberUpdate m;
    m.name = "member-" + std::to_string(i);
    m.addr = "127.0.0.1:" + std::to_string(10000 + i);
    m.boot = 1;
    state->push_back(m);
  }
  core::PushPull pp;
  pp.state = state;
  a.send("b", b.addr(), envelope("a", a.addr(), pp));   // well over 2048 bytes: refused
  a.send("b", b.addr(), heartbeat_env("a", a.addr()));  // small: still goes
  ASSERT_TRUE(b.rec.wait([&] { return !b.rec.messages.empty(); }));
  a.barrier();
  b.barrier();
  const auto sa = a.t->stats();
  EXPECT_EQ(value_or_zero(sa.dropped, "send_queue_full"), 1u);
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "push_pull"), 0u);
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "heartbeat"), 1u);
  EXPECT_EQ(sa.messages_out, 1u);
  {
    std::lock_guard lk(b.rec.mu);
    ASSERT_EQ(b.rec.messages.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<core::Heartbeat>(b.rec.messages[0].body));
  }
  a.t->stop();
  b.t->stop();
}

TEST(Transport, UnreachablePeerIsCounted) {
  // A port that was free a moment ago and has no listener: the connect is refused.
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  Peer a("a", 1, kSecret);
  a.send("nobody", "127.0.0.1:" + std::to_string(port), heartbeat_env("a", a.addr()));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (value_or_zero(a.t->stats().dropped, "unreachable") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  a.barrier();
  EXPECT_EQ(value_or_zero(a.t->stats().dropped, "unreachable"), 1u);
  {
    // Never connected: nobody to declare gone.
    std::lock_guard lk(a.rec.mu);
    EXPECT_TRUE(a.rec.gone.empty());
  }
  a.t->stop();
}

}  // namespace
}  // namespace elector::net
