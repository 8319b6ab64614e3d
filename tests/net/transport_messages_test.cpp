// Whole transports exchanging messages on 127.0.0.1, each with its own loop thread: every field
// arrives, each kind takes its channel (datagrams over UDP, the rest over TCP after a hello), a
// broadcast and deliberate resends all arrive, an answer goes back on the connection its request
// came on, and addresses are parsed and reported.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "core/messages.hpp"
#include "net/transport.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace testing;

using boost::asio::ip::udp;

void expect_header(const core::Envelope& e, const std::string& from) {
  EXPECT_EQ(e.header.self.name, from);
  EXPECT_EQ(e.header.self.boot, 11u);
  EXPECT_EQ(e.header.self.incarnation, 3u);
  EXPECT_EQ(e.header.self.meta.priority, -4);
  EXPECT_EQ(e.header.runtime_ms, 1234);
  EXPECT_EQ(e.header.term, 6u);
  ASSERT_EQ(e.gossip.size(), 1u);
  EXPECT_EQ(e.gossip[0].name, "z");
  EXPECT_EQ(e.gossip[0].status, core::MemberStatus::suspect);
  EXPECT_EQ(e.gossip[0].incarnation, 5u);
}

TEST(Transport, HeartbeatAndPingArriveWithTheirFields) {
  Peer a("a", 1, kSecret);
  Peer b("b", 2, kSecret);
  ASSERT_NE(port_of(a.addr()), 0);
  ASSERT_NE(port_of(b.addr()), 0);
  ASSERT_NE(a.addr(), b.addr());

  a.send("b", b.addr(), heartbeat_env("a", a.addr()));
  a.send("b", b.addr(), ping_env("a", a.addr()));
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() >= 2; }));
  b.barrier();
  a.barrier();

  {
    std::lock_guard lk(b.rec.mu);
    ASSERT_EQ(b.rec.messages.size(), 2u);
    // TCP and UDP do not keep order between them: find each by kind.
    const core::Heartbeat* hb = nullptr;
    const core::Ping* ping = nullptr;
    for (const auto& m : b.rec.messages) {
      expect_header(m, "a");
      EXPECT_EQ(m.header.self.addr, a.addr());
      if (const auto* h = std::get_if<core::Heartbeat>(&m.body)) hb = h;
      if (const auto* p = std::get_if<core::Ping>(&m.body)) ping = p;
    }
    ASSERT_NE(hb, nullptr);
    EXPECT_EQ(hb->term, 7u);
    EXPECT_EQ(hb->seq, 9u);
    EXPECT_EQ(hb->election_round, 2u);
    EXPECT_FALSE(hb->want_ack);
    ASSERT_NE(ping, nullptr);
    EXPECT_EQ(ping->seq, 42u);
    EXPECT_EQ(ping->target, "b");
    EXPECT_TRUE(b.rec.gone.empty());
  }

  const auto sb = b.t->stats();
  EXPECT_EQ(sb.messages_in, 2u);
  EXPECT_EQ(value_or_zero(sb.in_by_kind, "heartbeat"), 1u);
  EXPECT_EQ(value_or_zero(sb.in_by_kind, "ping"), 1u);
  EXPECT_EQ(sb.in_by_kind.size(), 2u);
  EXPECT_TRUE(sb.dropped.empty());
  const auto sa = a.t->stats();
  EXPECT_EQ(sa.messages_out, 2u);
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "heartbeat"), 1u);
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "ping"), 1u);
  EXPECT_EQ(sa.out_by_kind.size(), 2u);
  EXPECT_TRUE(sa.in_by_kind.empty());
  // Both count the sealed packets (not the frame prefix, nor the hello): the same bytes.
  EXPECT_EQ(sa.bytes_out, sb.bytes_in);
  EXPECT_GT(sb.bytes_in, 0u);

  a.t->stop();
  b.t->stop();
}

TEST(Transport, PingGoesOverUdpAndHeartbeatOverTcp) {
  // Raw sockets stand for the receiver, to see which channel each message takes and its framing.
  Peer a("a", 1, kSecret);
  boost::asio::io_context io;
  udp::socket dgram(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string udp_addr = "127.0.0.1:" + std::to_string(dgram.local_endpoint().port());
  const std::string tcp_addr = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  auto rx = wire::Authenticator::with_secret(kSecret, kReplayWindowMs);

  a.send("u", udp_addr, ping_env("a", a.addr()));
  std::array<std::uint8_t, 65536> buf{};
  udp::endpoint from;
  std::size_t got = 0;
  bool received = false;
  dgram.async_receive_from(boost::asio::buffer(buf), from,
                           [&](const boost::system::error_code& ec, std::size_t n) {
                             received = !ec;
                             got = n;
                           });
  ASSERT_TRUE(run_until(io, [&] { return received; }));
  // The datagram comes from the transport's own (shared) port.
  EXPECT_EQ(from.port(), port_of(a.addr()));
  {
    const auto opened = rx.open(std::span<const std::uint8_t>(buf.data(), got), wall_ms());
    ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
    const auto& o = std::get<wire::Opened>(opened);
    EXPECT_EQ(o.type, wire::PacketType::message);
    EXPECT_EQ(o.from.name, "a");
    EXPECT_EQ(o.from.boot, 1u);
    const auto env = wire::decode(o.payload);
    ASSERT_TRUE(std::holds_alternative<core::Envelope>(env));
    const auto* p = std::get_if<core::Ping>(&std::get<core::Envelope>(env).body);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->seq, 42u);
  }

  a.send("t", tcp_addr, heartbeat_env("a", a.addr()));
  tcp::socket s(io);
  bool accepted = false;
  acceptor.async_accept(s, [&](const boost::system::error_code& ec) { accepted = !ec; });
  ASSERT_TRUE(run_until(io, [&] { return accepted; }));
  // First the hello (who is calling), then the message.
  const auto hello = read_frame(io, s);
  ASSERT_TRUE(hello.has_value());
  const auto msg = read_frame(io, s);
  ASSERT_TRUE(msg.has_value());
  {
    const auto opened = rx.open(*hello, wall_ms());
    ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
    EXPECT_EQ(std::get<wire::Opened>(opened).type, wire::PacketType::hello);
    EXPECT_EQ(std::get<wire::Opened>(opened).from.name, "a");
  }
  {
    const auto opened = rx.open(*msg, wall_ms());
    ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
    const auto& o = std::get<wire::Opened>(opened);
    EXPECT_EQ(o.type, wire::PacketType::message);
    const auto env = wire::decode(o.payload);
    ASSERT_TRUE(std::holds_alternative<core::Envelope>(env));
    const auto* h = std::get_if<core::Heartbeat>(&std::get<core::Envelope>(env).body);
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->seq, 9u);
  }
  a.t->stop();
}

TEST(Transport, BroadcastReachesEveryoneAndResendsAreNotReplays) {
  Peer a("a", 1, kSecret);
  Peer b("b", 2, kSecret);
  Peer c("c", 3, kSecret);
  const core::Envelope hb = heartbeat_env("a", a.addr());

  // A broadcast: the identical envelope to two members.
  a.send("b", b.addr(), hb);
  a.send("c", c.addr(), hb);
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() >= 1; }));
  ASSERT_TRUE(c.rec.wait([&] { return c.rec.messages.size() >= 1; }));

  // The very same envelope twice more to B (a deliberate resend): each must arrive, none may be
  // taken for a replay of an earlier packet.
  a.send("b", b.addr(), hb);
  a.send("b", b.addr(), hb);
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() >= 3; }))
      << "B received " << b.rec.count_messages()
      << " of 3; dropped replayed: " << value_or_zero(b.t->stats().dropped, "replayed");

  // And the same for a datagram kind: two identical pings to C.
  const core::Envelope ping = ping_env("a", a.addr());
  a.send("c", c.addr(), ping);
  a.send("c", c.addr(), ping);
  ASSERT_TRUE(c.rec.wait([&] { return c.rec.messages.size() >= 3; }))
      << "C received " << c.rec.count_messages()
      << " of 3; dropped replayed: " << value_or_zero(c.t->stats().dropped, "replayed");

  a.barrier();
  b.barrier();
  c.barrier();
  for (Peer* p : {&b, &c}) {
    const auto s = p->t->stats();
    EXPECT_EQ(s.dropped.count("replayed"), 0u);
    EXPECT_TRUE(s.dropped.empty());
  }
  EXPECT_EQ(b.rec.count_messages(), 3u);
  EXPECT_EQ(c.rec.count_messages(), 3u);
  {
    std::lock_guard lk(b.rec.mu);
    for (const auto& m : b.rec.messages) {
      expect_header(m, "a");
      EXPECT_TRUE(std::holds_alternative<core::Heartbeat>(m.body));
    }
  }
  const auto sb = b.t->stats();
  EXPECT_EQ(value_or_zero(sb.in_by_kind, "heartbeat"), 3u);
  const auto sc = c.t->stats();
  EXPECT_EQ(value_or_zero(sc.in_by_kind, "heartbeat"), 1u);
  EXPECT_EQ(value_or_zero(sc.in_by_kind, "ping"), 2u);
  const auto sa = a.t->stats();
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "heartbeat"), 4u);
  EXPECT_EQ(value_or_zero(sa.out_by_kind, "ping"), 2u);
  EXPECT_EQ(sa.messages_out, 6u);

  a.t->stop();
  b.t->stop();
  c.t->stop();
}

TEST(Transport, AnswerGoesBackOnTheConnectionThePeerOpened) {
  // v opens a connection to b and heartbeats it; b acknowledges on it (a watcher answering its
  // leader) instead of connecting to v's address. Nothing listens there, so an answer that tried
  // a connection of its own would never arrive.
  Peer b("b", 2, kSecret);
  std::string nowhere;
  {
    boost::asio::io_context io;
    tcp::acceptor closed(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    nowhere = "127.0.0.1:" + std::to_string(closed.local_endpoint().port());
  }
  RawClient v(b.addr());
  v.expect_hello("b");
  v.send(wire::PacketType::hello, wire::Identity{"v", 4});
  v.send(wire::PacketType::message, wire::Identity{"v", 4},
         wire::encode(envelope("v", nowhere, core::Heartbeat{3, 1})));
  ASSERT_TRUE(b.rec.wait([&] { return !b.rec.messages.empty(); }));
  b.send("v", nowhere, envelope("b", b.addr(), core::HeartbeatResp{3, 1, true}),
         core::Route::stream);
  EXPECT_EQ(v.next_type("b"), std::optional<wire::PacketType>(wire::PacketType::message));
  EXPECT_EQ(value_or_zero(b.t->stats().dropped, "unreachable"), 0u);
  v.close();
  b.t->stop();
}

TEST(Transport, MembershipMessageTooBigForADatagramGoesOverTcp) {
  Peer a("a", 1, kSecret);
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string addr = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  // Names are limited to kMaxString (1024): the size comes from piggybacked gossip as well.
  const std::string target(1000, 't');
  core::Envelope big = envelope("a", a.addr(), core::Ping{77, target});
  for (int i = 0; i < 40; ++i) {
    big.gossip.push_back(big.gossip.front());
    big.gossip.back().name = "gossiped-member-" + std::to_string(i);
  }
  ASSERT_GT(wire::encode(big).size(), TransportOptions{}.max_datagram);
  a.send("big", addr, big);
  tcp::socket s(io);
  bool accepted = false;
  acceptor.async_accept(s, [&](const boost::system::error_code& ec) { accepted = !ec; });
  ASSERT_TRUE(run_until(io, [&] { return accepted; }));
  auto rx = wire::Authenticator::with_secret(kSecret, kReplayWindowMs);
  const auto hello = read_frame(io, s);
  ASSERT_TRUE(hello.has_value());
  const auto msg = read_frame(io, s);
  ASSERT_TRUE(msg.has_value());
  EXPECT_GT(msg->size(), TransportOptions{}.max_datagram);
  const auto opened = rx.open(*msg, wall_ms());
  ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
  const auto env = wire::decode(std::get<wire::Opened>(opened).payload);
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(env));
  const auto* p = std::get_if<core::Ping>(&std::get<core::Envelope>(env).body);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->seq, 77u);
  EXPECT_EQ(p->target, target);
  EXPECT_EQ(std::get<core::Envelope>(env).gossip.size(), 41u);
  a.barrier();
  EXPECT_EQ(value_or_zero(a.t->stats().out_by_kind, "ping"), 1u);
  a.t->stop();
}

TEST(Transport, AMessageRoutedAsADatagramOpensNoConnection) {
  // A far member's heartbeat: if it went over TCP, the leader's death would wake this member.
  Peer a("a", 1, kSecret);
  Peer b("b", 2, kSecret);
  a.send("b", b.addr(), heartbeat_env("a", a.addr()), core::Route::datagram);
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() == 1; }));
  EXPECT_EQ(a.t->stats().connections, 0u);
  EXPECT_EQ(b.t->stats().connections, 0u);
  // The same heartbeat on the stream route opens one.
  a.send("b", b.addr(), heartbeat_env("a", a.addr()), core::Route::stream);
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() == 2; }));
  EXPECT_EQ(a.t->stats().connections, 1u);
}

TEST(Transport, AMessageRoutedBothWaysArrivesTwiceAndIsNeverAReplay) {
  // A watcher's heartbeat: over the connection that carries the leader's death, and as a
  // datagram that no TCP retransmission holds up. Each copy is sealed on its own.
  Peer a("a", 1, kSecret);
  Peer b("b", 2, kSecret);
  a.send("b", b.addr(), heartbeat_env("a", a.addr()), core::Route::both);
  ASSERT_TRUE(b.rec.wait([&] { return b.rec.messages.size() == 2; }));
  EXPECT_EQ(a.t->stats().connections, 1u);
  a.barrier();
  EXPECT_EQ(value_or_zero(a.t->stats().out_by_kind, "heartbeat"), 2u);
  EXPECT_TRUE(b.t->stats().dropped.empty());
}

TEST(Transport, LocalAddrReportsTheBoundPort) {
  Peer a("a", 1, kSecret);
  const std::string addr = a.addr();
  EXPECT_EQ(addr.rfind("127.0.0.1:", 0), 0u) << addr;
  EXPECT_NE(port_of(addr), 0);
  a.t->stop();
  a.t->stop();  // idempotent
}

TEST(SplitHostPort, AcceptsHostPortOnly) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(split_host_port("127.0.0.1:7946", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 7946);
  EXPECT_TRUE(split_host_port("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(split_host_port("127.0.0.1", host, port));
  EXPECT_FALSE(split_host_port("127.0.0.1:", host, port));
  EXPECT_FALSE(split_host_port(":80", host, port));
  EXPECT_FALSE(split_host_port("h:65536", host, port));
  EXPECT_FALSE(split_host_port("h:8x", host, port));
}

TEST(JoinHostPort, BracketsAnIPv6AddressAndReadsBack) {
  EXPECT_EQ(join_host_port("127.0.0.1", 7946), "127.0.0.1:7946");
  EXPECT_EQ(join_host_port("node1.example", 7946), "node1.example:7946");
  EXPECT_EQ(join_host_port("::1", 7946), "[::1]:7946");
  EXPECT_EQ(join_host_port("fe80::1", 80), "[fe80::1]:80");
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(split_host_port(join_host_port("2001:db8::7", 65535), host, port));
  EXPECT_EQ(host, "2001:db8::7");
  EXPECT_EQ(port, 65535);
}

// A transport on IPv6 loopback names itself with brackets, as members will be told.
TEST(Transport, AnIPv6ListenAddressIsReportedInBrackets) {
  TransportOptions o;
  o.listen = "[::1]:0";
  o.name = "v6";
  o.insecure = true;
  Transport t(std::move(o), TransportHandlers{});
  t.start();
  const std::string addr = t.local_addr();
  t.stop();
  ASSERT_TRUE(addr.starts_with("[::1]:")) << addr;
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(split_host_port(addr, host, port)) << addr;
  EXPECT_EQ(host, "::1");
  EXPECT_GT(port, 0);
}

}  // namespace
}  // namespace elector::net
