// The framing of one TCP connection (net::Connection) over a real socket on 127.0.0.1, driven by
// the test thread's own io_context: frames cut at any byte, empty frames and frames of the limit,
// oversized lengths, the send queue and its limit, and how a connection ends.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace testing;

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

/// `n` bytes that differ from one offset to the next, so a misplaced or repeated chunk shows.
Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 31 + seed) ^ (i >> 8));
  return b;
}

/// Compares byte strings without printing megabytes when they differ.
::testing::AssertionResult same_bytes(const Bytes& got, const Bytes& want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                       << "; first difference at offset " << i;
}

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

}  // namespace
}  // namespace elector::net
