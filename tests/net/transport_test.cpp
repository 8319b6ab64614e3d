// The network layer on real sockets (127.0.0.1, ports picked by the OS): the framing of one TCP
// connection (net::Connection), and whole transports talking to each other (net::Transport).
// Waits are bounded generously and never replace a condition: a slow machine only makes the tests
// slower, never wrong.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/transport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "net/connection.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;
using Bytes = std::vector<std::uint8_t>;

/// Bound of every wait: far above what any step needs, so only a real failure reaches it.
constexpr auto kWait = 10s;
constexpr std::int64_t kReplayWindowMs = 60000;
const std::string kSecret = "transport test secret";

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

/// `n` bytes that differ from one offset to the next, so a misplaced or repeated chunk shows.
Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 31 + seed) ^ (i >> 8));
  return b;
}

Bytes header(std::uint32_t len) {
  return Bytes{static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
               static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
}

/// One TCP frame: the 4-byte little-endian length, then the packet.
Bytes frame(const Bytes& packet) {
  Bytes f = header(static_cast<std::uint32_t>(packet.size()));
  f.insert(f.end(), packet.begin(), packet.end());
  return f;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Compares byte strings without printing megabytes when they differ.
::testing::AssertionResult same_bytes(const Bytes& got, const Bytes& want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                       << "; first difference at offset " << i;
}

/// Runs `io` until `done()` holds or kWait passes. One handler at a time, so that `done` is
/// checked after each.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

/// Reads one frame from `s` (driven by `io`); nullopt on error or timeout.
std::optional<Bytes> read_frame(boost::asio::io_context& io, tcp::socket& s) {
  std::array<std::uint8_t, 4> h{};
  bool done = false;
  boost::system::error_code err;
  boost::asio::async_read(s, boost::asio::buffer(h),
                          [&](const boost::system::error_code& ec, std::size_t) {
                            err = ec;
                            done = true;
                          });
  if (!run_until(io, [&] { return done; }) || err) return std::nullopt;
  const std::uint32_t len =
      static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 8) |
      (static_cast<std::uint32_t>(h[2]) << 16) | (static_cast<std::uint32_t>(h[3]) << 24);
  // A wrong length (a framing bug) must fail the test, not allocate gigabytes.
  if (len > wire::kMaxPacket) {
    ADD_FAILURE() << "frame length " << len << " beyond the limit";
    return std::nullopt;
  }
  Bytes body(len);
  done = false;
  boost::asio::async_read(s, boost::asio::buffer(body),
                          [&](const boost::system::error_code& ec, std::size_t) {
                            err = ec;
                            done = true;
                          });
  if (!run_until(io, [&] { return done; }) || err) return std::nullopt;
  return body;
}

// ---------------------------------------------------------------------------------------------
// Connection: framing over a real socket, driven by the test thread's own io_context.

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    client_.connect(acceptor_.local_endpoint());
    tcp::socket server(io_);
    acceptor_.accept(server);
    owner_.packet = [this](const std::shared_ptr<Connection>&, std::span<const std::uint8_t> p) {
      packets_.emplace_back(p.begin(), p.end());
    };
    owner_.closed = [this](const std::shared_ptr<Connection>&) { ++closes_; };
    owner_.oversized = [this](const std::shared_ptr<Connection>&) { ++oversized_; };
    conn_ = std::make_shared<Connection>(std::move(server), false, std::string(), &owner_,
                                         std::size_t{64} << 20);
    conn_->start();
  }

  void TearDown() override {
    conn_->close_now();
    boost::system::error_code ec;
    client_.close(ec);
    // Completes the aborted operations, which hold the connection alive.
    io_.restart();
    io_.poll();
  }

  /// Writes `data` from the raw client in one call. Blocking, and the connection is served by this
  /// same thread: small data only (it must fit in the socket buffers).
  void write(const Bytes& data) { boost::asio::write(client_, boost::asio::buffer(data)); }

  /// Lets the connection consume everything the client wrote so far, so that each write is seen
  /// as its own read (the point of the split-write tests).
  void pump() {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    io_.poll();
    boost::system::error_code ec;
    while (conn_->socket().available(ec) > 0 && !ec && !conn_->closed() &&
           std::chrono::steady_clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(5ms);
    }
    io_.poll();
  }

  /// Writes `stream` in chunks of the sizes given in turn (cycling), pumping after each.
  void write_in_chunks(const Bytes& stream, const std::vector<std::size_t>& sizes) {
    std::size_t off = 0;
    for (std::size_t i = 0; off < stream.size(); ++i) {
      const std::size_t n = std::min(sizes[i % sizes.size()], stream.size() - off);
      boost::asio::write(client_, boost::asio::buffer(stream.data() + off, n));
      off += n;
      pump();
    }
  }

  bool wait_packets(std::size_t n) {
    return run_until(io_, [&] { return packets_.size() >= n; });
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  tcp::socket client_{io_};
  Connection::Owner owner_;
  std::shared_ptr<Connection> conn_;
  std::vector<Bytes> packets_;
  int closes_ = 0;
  int oversized_ = 0;
};

TEST_F(ConnectionTest, TwoFramesInOneWrite) {
  const Bytes a = bytes("first packet");
  const Bytes b = pattern(300, 7);
  write(concat({frame(a), frame(b)}));
  ASSERT_TRUE(wait_packets(2));
  pump();
  ASSERT_EQ(packets_.size(), 2u);
  EXPECT_TRUE(same_bytes(packets_[0], a));
  EXPECT_TRUE(same_bytes(packets_[1], b));
  EXPECT_EQ(closes_, 0);
  EXPECT_EQ(oversized_, 0);
}

TEST_F(ConnectionTest, WriteEndingInsideTheNextFrame) {
  // One write holds a whole frame and the start of the next one (cut inside its length prefix or
  // its body): what is left over must be kept, in place, for the next read to complete.
  const Bytes a = bytes("complete one");
  const Bytes b = pattern(50, 23);
  const Bytes fb = frame(b);
  std::size_t want = 0;
  for (std::size_t cut = 1; cut < fb.size(); ++cut) {
    write(concat({frame(a), Bytes(fb.begin(), fb.begin() + static_cast<std::ptrdiff_t>(cut))}));
    pump();
    ASSERT_TRUE(wait_packets(want + 1)) << "cut " << cut;
    ASSERT_EQ(packets_.size(), want + 1) << "cut " << cut;  // the cut frame is not out yet
    write(Bytes(fb.begin() + static_cast<std::ptrdiff_t>(cut), fb.end()));
    ASSERT_TRUE(wait_packets(want + 2)) << "cut " << cut;
    pump();
    ASSERT_EQ(packets_.size(), want + 2) << "cut " << cut;
    EXPECT_TRUE(same_bytes(packets_[want], a)) << "cut " << cut;
    EXPECT_TRUE(same_bytes(packets_[want + 1], b)) << "cut " << cut;
    want += 2;
  }
  EXPECT_EQ(closes_, 0);
  EXPECT_EQ(oversized_, 0);
}

TEST_F(ConnectionTest, AnIdleConnectionHoldsNoBuffer) {
  // A leader has a connection to each of hundreds of members; what each holds while idle is
  // multiplied by them.
  EXPECT_EQ(conn_->held_bytes(), 0u);
  const Bytes big = pattern(200'000, 3);
  const Bytes fb = frame(big);
  // A frame cut in the middle is kept until its end arrives, then given back.
  write_in_chunks(fb, {70'000});
  ASSERT_TRUE(wait_packets(1));
  EXPECT_TRUE(same_bytes(packets_[0], big));
  EXPECT_EQ(conn_->held_bytes(), 0u);
  write(concat({frame(bytes("a")), frame(bytes("b"))}));
  ASSERT_TRUE(wait_packets(3));
  EXPECT_EQ(conn_->held_bytes(), 0u);
  EXPECT_EQ(closes_, 0);
}

TEST_F(ConnectionTest, EmptyFrameBetweenOthersIsDeliveredEmpty) {
  // A zero-length frame is legal framing: it must not swallow or shift the frames around it.
  const Bytes a = bytes("before");
  const Bytes c = bytes("after");
  write(concat({frame(a), frame({}), frame(c)}));
  ASSERT_TRUE(wait_packets(3));
  EXPECT_TRUE(same_bytes(packets_[0], a));
  EXPECT_TRUE(packets_[1].empty());
  EXPECT_TRUE(same_bytes(packets_[2], c));
}

TEST_F(ConnectionTest, FrameWrittenOneByteAtATime) {
  const Bytes p = pattern(150, 3);
  const Bytes f = frame(p);
  for (std::size_t i = 0; i + 1 < f.size(); ++i) {
    write(Bytes{f[i]});
    pump();
    // Nothing may come out of a frame before its last byte.
    ASSERT_TRUE(packets_.empty()) << "a packet was delivered after " << i + 1 << " of " << f.size()
                                  << " bytes";
  }
  write(Bytes{f.back()});
  ASSERT_TRUE(wait_packets(1));
  pump();
  ASSERT_EQ(packets_.size(), 1u);
  EXPECT_TRUE(same_bytes(packets_[0], p));

  // The stream stays in step after it: the next frame, again split, comes out whole.
  const Bytes q = bytes("next");
  write_in_chunks(frame(q), {1});
  ASSERT_TRUE(wait_packets(2));
  EXPECT_TRUE(same_bytes(packets_[1], q));
  EXPECT_EQ(closes_, 0);
}

TEST_F(ConnectionTest, LargeFramesSplitAcrossWrites) {
  // Larger than the connection's read chunk (1024), split at odd places, including inside the
  // length prefix of the next frame, and followed by small frames in the same writes.
  const Bytes big = pattern(20000, 11);
  const Bytes medium = pattern(5000, 13);
  const Bytes small = bytes("tail");
  const Bytes stream = concat({frame(big), frame(medium), frame(small)});
  write_in_chunks(stream, {2, 1, 1500, 3, 4096, 777, 1, 9000});
  ASSERT_TRUE(wait_packets(3));
  pump();
  ASSERT_EQ(packets_.size(), 3u);
  EXPECT_TRUE(same_bytes(packets_[0], big));
  EXPECT_TRUE(same_bytes(packets_[1], medium));
  EXPECT_TRUE(same_bytes(packets_[2], small));

  // After the buffer grew for the big frames (and may have shrunk back), small frames still parse.
  const Bytes again = pattern(40, 17);
  write(concat({frame(again), frame(small)}));
  ASSERT_TRUE(wait_packets(5));
  EXPECT_TRUE(same_bytes(packets_[3], again));
  EXPECT_TRUE(same_bytes(packets_[4], small));
  EXPECT_EQ(closes_, 0);
  EXPECT_EQ(oversized_, 0);
}

TEST_F(ConnectionTest, FrameOfExactlyTheLimitIsDelivered) {
  // The limit is inclusive: a frame of kMaxPacket bytes is legal. Written asynchronously because
  // the connection is served by this same thread.
  const Bytes max = pattern(wire::kMaxPacket, 5);
  const Bytes f = frame(max);
  bool written = false;
  boost::asio::async_write(
      client_, boost::asio::buffer(f),
      [&](const boost::system::error_code& ec, std::size_t) { written = !ec; });
  ASSERT_TRUE(run_until(io_, [&] { return written && !packets_.empty(); }));
  ASSERT_EQ(packets_.size(), 1u);
  EXPECT_TRUE(same_bytes(packets_[0], max));
  EXPECT_EQ(oversized_, 0);
}

TEST_F(ConnectionTest, OversizedLengthIsReportedAndNotDelivered) {
  const Bytes ok = bytes("fine");
  // The oversized header is split so that the length is only known after the second write.
  const Bytes bad = header(static_cast<std::uint32_t>(wire::kMaxPacket + 1));
  write(concat({frame(ok), Bytes(bad.begin(), bad.begin() + 2)}));
  pump();
  write(concat({Bytes(bad.begin() + 2, bad.end()), pattern(64, 1)}));
  ASSERT_TRUE(run_until(io_, [&] { return oversized_ > 0; }));
  // Frames after it are not trusted either: the stream has lost its framing.
  write(frame(bytes("after the bad one")));
  // Not pump(): the connection has stopped reading, so the bytes stay unread.
  for (int i = 0; i < 5; ++i) io_.poll();
  EXPECT_EQ(oversized_, 1);
  ASSERT_EQ(packets_.size(), 1u);
  EXPECT_TRUE(same_bytes(packets_[0], ok));
}

TEST_F(ConnectionTest, HugeLengthIsOversized) {
  write(header(0xFFFFFFFFu));
  ASSERT_TRUE(run_until(io_, [&] { return oversized_ > 0; }));
  EXPECT_EQ(oversized_, 1);
  EXPECT_TRUE(packets_.empty());
}

TEST_F(ConnectionTest, QueuedPacketsAreWrittenAsFrames) {
  const Bytes a = bytes("hello there");
  const Bytes b = pattern(70000, 9);  // more than one socket write's worth on many systems
  const Bytes c;
  EXPECT_TRUE(conn_->queue(std::make_shared<const Bytes>(a)));
  EXPECT_TRUE(conn_->queue(std::make_shared<const Bytes>(b)));
  EXPECT_TRUE(conn_->queue(std::make_shared<const Bytes>(c)));
  const Bytes want = concat({frame(a), frame(b), frame(c)});
  Bytes got(want.size());
  bool done = false;
  boost::system::error_code err;
  boost::asio::async_read(client_, boost::asio::buffer(got),
                          [&](const boost::system::error_code& ec, std::size_t) {
                            err = ec;
                            done = true;
                          });
  ASSERT_TRUE(run_until(io_, [&] { return done; }));
  ASSERT_FALSE(err) << err.message();
  EXPECT_TRUE(same_bytes(got, want));
  // Nothing more than those frames was written.
  io_.poll();
  boost::system::error_code ec;
  EXPECT_EQ(client_.available(ec), 0u);
}

TEST_F(ConnectionTest, CloseAfterFlushWritesEverythingFirst) {
  const Bytes a = pattern(3000, 21);
  ASSERT_TRUE(conn_->queue(std::make_shared<const Bytes>(a)));
  conn_->close_after_flush();
  EXPECT_TRUE(conn_->closing_by_us);
  Bytes got;
  bool eof = false;
  std::array<std::uint8_t, 4096> buf{};
  std::function<void()> read_some = [&] {
    client_.async_read_some(
        boost::asio::buffer(buf), [&](const boost::system::error_code& ec, std::size_t n) {
          got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
          if (ec) {
            eof = true;
            return;
          }
          read_some();
        });
  };
  read_some();
  ASSERT_TRUE(run_until(io_, [&] { return eof && closes_ == 1; }));
  EXPECT_TRUE(same_bytes(got, frame(a)));
  EXPECT_TRUE(conn_->closed());
  EXPECT_FALSE(conn_->queue(std::make_shared<const Bytes>(a)));
}

TEST_F(ConnectionTest, PeerCloseIsReportedOnce) {
  write(frame(bytes("last words")));
  client_.close();
  ASSERT_TRUE(run_until(io_, [&] { return closes_ > 0; }));
  ASSERT_EQ(packets_.size(), 1u);
  EXPECT_TRUE(same_bytes(packets_[0], bytes("last words")));
  EXPECT_TRUE(conn_->closed());
  conn_->close_now();  // already over: no second report
  io_.poll();
  EXPECT_EQ(closes_, 1);
}

TEST(ConnectionQueue, RefusesBeyondItsLimit) {
  boost::asio::io_context io;
  Connection::Owner owner;
  int closes = 0;
  owner.closed = [&](const std::shared_ptr<Connection>&) { ++closes; };
  // Not started (an outgoing connection still connecting): packets wait in the queue.
  auto c = std::make_shared<Connection>(tcp::socket(io), true, "127.0.0.1:1", &owner, 100);
  EXPECT_TRUE(c->outgoing());
  EXPECT_EQ(c->key(), "127.0.0.1:1");
  EXPECT_TRUE(c->queue(std::make_shared<const Bytes>(60)));
  EXPECT_FALSE(c->queue(std::make_shared<const Bytes>(41)));  // 101 > 100
  EXPECT_TRUE(c->queue(std::make_shared<const Bytes>(40)));   // exactly 100
  EXPECT_FALSE(c->queue(std::make_shared<const Bytes>(1)));
  c->close_now();
  EXPECT_EQ(closes, 1);
}

// ---------------------------------------------------------------------------------------------
// Transport: two or more transports in this process, each with its own loop thread.

/// What a transport's handlers saw (they run on its loop thread).
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<core::Envelope> messages;
  std::vector<std::pair<std::string, std::uint64_t>> gone;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, kWait, [&] { return pred(); });
  }
  std::size_t count_messages() {
    std::lock_guard lk(mu);
    return messages.size();
  }
};

class Peer {
 public:
  Peer(const std::string& name, std::uint64_t boot, const std::string& secret,
       std::size_t max_queue_bytes = TransportOptions{}.max_queue_bytes,
       Duration idle_close = TransportOptions{}.idle_close) {
    TransportOptions o;
    o.max_queue_bytes = max_queue_bytes;
    o.idle_close = idle_close;
    o.listen = "127.0.0.1:0";
    o.name = name;
    o.boot = boot;
    o.secret = secret;
    o.replay_window_ms = kReplayWindowMs;
    TransportHandlers h;
    h.on_message = [r = &rec](core::Envelope&& env) {
      std::lock_guard lk(r->mu);
      r->messages.push_back(std::move(env));
      r->cv.notify_all();
    };
    h.on_peer_gone = [r = &rec](const std::string& n, std::uint64_t b) {
      std::lock_guard lk(r->mu);
      r->gone.emplace_back(n, b);
      r->cv.notify_all();
    };
    t = std::make_unique<Transport>(std::move(o), std::move(h));
    t->start();
  }
  ~Peer() { t->stop(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  [[nodiscard]] std::string addr() const { return t->local_addr(); }
  /// Sends `env` on the route the core would give its kind by default.
  void send(const std::string& to_name, const std::string& to_addr, const core::Envelope& env) {
    t->send(core::Outgoing{to_name, to_addr, env, default_route(env.body)});
  }
  void send(const std::string& to_name, const std::string& to_addr, const core::Envelope& env,
            core::Route route) {
    t->send(core::Outgoing{to_name, to_addr, env, route});
  }
  /// Returns once everything posted to the loop before it has run (sends, deliveries under way).
  void barrier() {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    t->post([done] { done->set_value(); });
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  }

  Recorder rec;
  std::unique_ptr<Transport> t;
};

std::uint16_t port_of(const std::string& addr) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(split_host_port(addr, host, port)) << addr;
  return port;
}

core::Envelope envelope(const std::string& from, const std::string& from_addr, core::Body body) {
  core::Envelope e;
  e.header.self.name = from;
  e.header.self.addr = from_addr;
  e.header.self.boot = 11;
  e.header.self.incarnation = 3;
  e.header.self.meta.priority = -4;
  e.header.self.age_ms = 1500;
  e.header.runtime_ms = 1234;
  e.header.term = 6;
  e.body = std::move(body);
  core::MemberUpdate g;
  g.name = "z";
  g.addr = "127.0.0.1:9";
  g.boot = 2;
  g.incarnation = 5;
  g.status = core::MemberStatus::suspect;
  g.from = from;
  e.gossip.push_back(g);
  return e;
}

core::Envelope heartbeat_env(const std::string& from, const std::string& from_addr) {
  return envelope(from, from_addr, core::Heartbeat{7, 9, 2, false});
}

core::Envelope ping_env(const std::string& from, const std::string& from_addr) {
  return envelope(from, from_addr, core::Ping{42, "b"});
}

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

std::uint64_t value_or_zero(const std::map<std::string, std::uint64_t>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
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

/// A raw TCP client speaking the protocol by hand, to control exactly how a connection ends.
class RawClient {
 public:
  explicit RawClient(const std::string& addr)
      : auth_(wire::Authenticator::with_secret(kSecret, kReplayWindowMs)), s_(io_) {
    s_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_of(addr)));
  }
  /// Reads the transport's hello. Also keeps our close a clean FIN: closing with unread data
  /// would send a reset instead.
  void expect_hello(const std::string& name) {
    const auto f = read_frame(io_, s_);
    ASSERT_TRUE(f.has_value());
    const auto opened = rx_.open(*f, wall_ms());
    ASSERT_TRUE(std::holds_alternative<wire::Opened>(opened));
    EXPECT_EQ(std::get<wire::Opened>(opened).type, wire::PacketType::hello);
    EXPECT_EQ(std::get<wire::Opened>(opened).from.name, name);
  }
  void send(wire::PacketType type, const wire::Identity& self, const Bytes& payload = {}) {
    boost::asio::write(s_, boost::asio::buffer(frame(auth_.seal(type, self, payload, wall_ms()))));
  }
  /// Half-closes and waits until the transport closes its side in turn.
  bool shutdown_and_wait_close() {
    s_.shutdown(tcp::socket::shutdown_send);
    std::array<std::uint8_t, 256> buf{};
    bool over = false;
    std::function<void()> read_some = [&] {
      s_.async_read_some(boost::asio::buffer(buf),
                         [&](const boost::system::error_code& ec, std::size_t) {
                           if (ec) {
                             over = true;
                             return;
                           }
                           read_some();
                         });
    };
    read_some();
    return run_until(io_, [&] { return over; });
  }
  void write_raw(const Bytes& data) { boost::asio::write(s_, boost::asio::buffer(data)); }
  /// The next packet from the transport, opened (nullopt when the stream ends or fails to open).
  std::optional<wire::PacketType> next_type(const std::string& from) {
    const auto f = read_frame(io_, s_);
    if (!f) return std::nullopt;
    const auto opened = rx_.open(*f, wall_ms());
    if (!std::holds_alternative<wire::Opened>(opened)) return std::nullopt;
    EXPECT_EQ(std::get<wire::Opened>(opened).from.name, from);
    return std::get<wire::Opened>(opened).type;
  }
  /// Seals once; the same bytes can then be written several times (a replay).
  Bytes sealed(wire::PacketType type, const wire::Identity& self, const Bytes& payload = {}) {
    return auth_.seal(type, self, payload, wall_ms());
  }
  void close() { s_.close(); }

 private:
  boost::asio::io_context io_;
  wire::Authenticator auth_;
  wire::Authenticator rx_ = wire::Authenticator::with_secret(kSecret, kReplayWindowMs);
  tcp::socket s_;
};

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
      << "the Leave never arrived; A counted it sent: "
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

TEST(Transport, LocalAddrReportsTheBoundPort) {
  Peer a("a", 1, kSecret);
  const std::string addr = a.addr();
  EXPECT_EQ(addr.rfind("127.0.0.1:", 0), 0u) << addr;
  EXPECT_NE(port_of(addr), 0);
  a.t->stop();
  a.t->stop();  // idempotent
}

/// A transport with only a timer handler, which records when it ran.
class TimerWatch {
 public:
  TimerWatch() {
    TransportOptions o;
    o.listen = "127.0.0.1:0";
    o.name = "w";
    o.boot = 1;
    o.secret = kSecret;
    o.replay_window_ms = kReplayWindowMs;
    TransportHandlers h;
    h.on_timer = [this] {
      std::lock_guard lk(mu_);
      fired_.push_back(now());
      cv_.notify_all();
    };
    t = std::make_unique<Transport>(std::move(o), std::move(h));
    t->start();
  }
  ~TimerWatch() { t->stop(); }
  TimerWatch(const TimerWatch&) = delete;
  TimerWatch& operator=(const TimerWatch&) = delete;

  static Time now() { return Time(std::chrono::steady_clock::now().time_since_epoch()); }
  /// Runs `fn` on the loop thread, as the node's handlers call wake_at().
  void on_loop(std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    t->post([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  }
  /// When the timer first ran; nullopt if it did not within kWait.
  std::optional<Time> first_fired() {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, kWait, [&] { return !fired_.empty(); })) return std::nullopt;
    return fired_.front();
  }

  std::unique_ptr<Transport> t;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Time> fired_;
};

TEST(Transport, WakeUpMovedLaterFromTheLoopDoesNotFireAtTheOldTime) {
  // An answered probe takes its timeout away: the process must not wake for it.
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] {
    w.t->wake_at(t0 + 20ms);
    w.t->wake_at(t0 + 300ms);
  });
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value());
  EXPECT_GE(*fired, t0 + 300ms)
      << "fired " << std::chrono::duration_cast<std::chrono::milliseconds>(*fired - t0).count()
      << " ms after the start, at the time that was replaced";
}

TEST(Transport, WakeUpFromAnotherThreadOnlyMovesItEarlier) {
  // By the time the loop runs a posted wake-up, a handler may have asked for an earlier one.
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] { w.t->wake_at(t0 + 50ms); });
  w.t->wake_at(t0 + 1h);
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value()) << "the later wake-up from another thread replaced the earlier";
  EXPECT_GE(*fired, t0 + 50ms);
}

TEST(Transport, WakeUpCancelledFromTheLoopDoesNotFire) {
  TimerWatch w;
  const Time t0 = TimerWatch::now();
  w.on_loop([&] {
    w.t->wake_at(t0 + 20ms);
    w.t->wake_at(kNever);
    w.t->wake_at(t0 + 200ms);
  });
  const auto fired = w.first_fired();
  ASSERT_TRUE(fired.has_value());
  EXPECT_GE(*fired, t0 + 200ms);
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

}  // namespace
}  // namespace elector::net
