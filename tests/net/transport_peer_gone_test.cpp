// How a transport's connections end, and which ends it reports as a peer's death (on_peer_gone):
// a close without a goodbye, on a connection either side opened, is one; a goodbye, an anonymous
// connection, the idle sweep's own close and stop() (which still delivers what was queued) are
// not.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/messages.hpp"
#include "net/transport.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace testing;

/// Waits until `p` reported a peer gone, then checks it was reported once, for `name` and `boot`.
void expect_gone_once(Peer& p, const std::string& name, std::uint64_t boot) {
  ASSERT_TRUE(p.rec.wait([&] { return !p.rec.gone.empty(); }));
  p.barrier();
  std::lock_guard lk(p.rec.mu);
  ASSERT_EQ(p.rec.gone.size(), 1u);
  EXPECT_EQ(p.rec.gone[0].first, name);
  EXPECT_EQ(p.rec.gone[0].second, boot);
}

TEST(Transport, ConnectionClosedWithoutGoodbyeMeansPeerGone) {
  Peer b("b", 2, kSecret);
  RawClient x(b.addr());
  x.expect_hello("b");
  x.send(wire::PacketType::hello, wire::Identity{"x", 7});
  x.close();
  expect_gone_once(b, "x", 7);
  b.t->stop();
}

TEST(Transport, PeerIsLearntFromItsFirstMessageToo) {
  // No hello: the first authenticated message names the peer, and its death is still noticed.
  Peer b("b", 2, kSecret);
  RawClient w(b.addr());
  w.expect_hello("b");
  w.send(wire::PacketType::message, wire::Identity{"w", 9},
         wire::encode(heartbeat_env("w", "127.0.0.1:1")));
  ASSERT_TRUE(b.rec.wait([&] { return !b.rec.messages.empty(); }));
  w.close();
  expect_gone_once(b, "w", 9);
  b.t->stop();
}

TEST(Transport, ConnectionClosedAfterGoodbyeIsNotPeerGone) {
  Peer b("b", 2, kSecret);
  RawClient y(b.addr());
  y.expect_hello("b");
  y.send(wire::PacketType::hello, wire::Identity{"y", 8});
  y.send(wire::PacketType::goodbye, wire::Identity{"y", 8});
  // B closing its side proves it has seen the end of the stream; the barrier, that it has
  // finished handling it (the close is reported on the loop thread right after).
  ASSERT_TRUE(y.shutdown_and_wait_close());
  y.close();
  b.barrier();

  // An anonymous connection (nothing authenticated on it) that closes is nobody's death either.
  RawClient anon(b.addr());
  anon.expect_hello("b");
  ASSERT_TRUE(anon.shutdown_and_wait_close());
  anon.close();
  b.barrier();
  {
    std::lock_guard lk(b.rec.mu);
    EXPECT_TRUE(b.rec.gone.empty()) << "on_peer_gone(" << b.rec.gone[0].first << ")";
  }
  b.t->stop();
}

TEST(Transport, OutgoingConnectionClosedWithoutGoodbyeMeansPeerGone) {
  // A's own connection to a peer that dies: the peer's identity comes from its hello.
  Peer a("a", 1, kSecret);
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string addr = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  a.send("s", addr, heartbeat_env("a", a.addr()));
  tcp::socket s(io);
  bool accepted = false;
  acceptor.async_accept(s, [&](const boost::system::error_code& ec) { accepted = !ec; });
  ASSERT_TRUE(run_until(io, [&] { return accepted; }));
  auto tx = wire::Authenticator::with_secret(kSecret, kReplayWindowMs);
  boost::asio::write(s, boost::asio::buffer(frame(tx.seal(wire::PacketType::hello,
                                                          wire::Identity{"s", 5}, {}, wall_ms()))));
  // Read what A sent (hello, message), so that the close below is a FIN, not a reset.
  ASSERT_TRUE(read_frame(io, s).has_value());
  ASSERT_TRUE(read_frame(io, s).has_value());
  s.close();
  ASSERT_TRUE(a.rec.wait([&] { return !a.rec.gone.empty(); }));
  a.barrier();
  {
    std::lock_guard lk(a.rec.mu);
    ASSERT_EQ(a.rec.gone.size(), 1u);
    EXPECT_EQ(a.rec.gone[0].first, "s");
    EXPECT_EQ(a.rec.gone[0].second, 5u);
  }
  a.t->stop();
}

// stop() runs say_goodbye() on a connection whose connect may not have completed yet: its queue
// (hello, the Leave) must still go out once it connects.
TEST(Transport, LeaveSentJustBeforeStopIsDelivered) {
  // stop() promises to flush what is queued (a leaving node's Leave and Resign), including to a
  // member it had no connection with yet (SWIM traffic goes over UDP, so that is common).
  Peer a("a", 1, kSecret);
  Peer b("b", 2, kSecret);
  a.send("b", b.addr(), envelope("a", a.addr(), core::Leave{}));
  a.t->stop();
  EXPECT_TRUE(b.rec.wait([&] { return !b.rec.messages.empty(); }))
      << "the core::Leave never arrived; A counted it sent: "
      << value_or_zero(a.t->stats().out_by_kind, "leave");
  b.t->stop();
}

TEST(Transport, AnIdleConnectionIsClosedWithoutAnyOtherTrafficToWakeTheProcess) {
  // The idle sweep has no timer of its own: it runs on whatever wakes the process, and a process
  // that nothing wakes is woken for it after a second sweep period (here 1 s each).
  Peer a("a", 1, kSecret, TransportOptions{}.max_queue_bytes, std::chrono::seconds(1));
  Peer b("b", 2, kSecret);
  a.send("b", b.addr(), heartbeat_env("a", a.addr()));
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() == 1; }));
  EXPECT_EQ(a.t->stats().connections, 1u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (a.t->stats().connections > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(a.t->stats().connections, 0u) << "the idle connection was never closed";
  // Closed with a goodbye: b does not take it for a's death.
  while (b.t->stats().connections > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(b.t->stats().connections, 0u);
  b.barrier();
  std::lock_guard lk(b.rec.mu);
  EXPECT_TRUE(b.rec.gone.empty());
}

}  // namespace
}  // namespace elector::net
