// What a peer can cost a transport before it authenticates (TransportOptions: first_frame_limit,
// auth_timeout, max_unauthenticated, max_connections), on real sockets on 127.0.0.1. Raw TCP
// clients play the junk; a raw client with the secret, or a second transport, plays the member.
// Every wait polls a condition under a generous bound: a slow machine makes the tests slower,
// never wrong.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "net/connection.hpp"
#include "net/stats.hpp"
#include "net/transport.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::net {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;

/// Bound of every wait: far above what any step needs.
constexpr auto kBound = 10s;
/// For the tests that must not see the time limit close anything.
constexpr auto kForever = std::chrono::hours(1);
const std::string kClusterKey = "limits test secret";
constexpr std::int64_t kWindow = 60000;

std::uint64_t epoch_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Bytes length_prefix(std::size_t n) {
  Bytes b(4);
  for (std::size_t i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return b;
}

Bytes framed(const Bytes& packet) {
  Bytes b = length_prefix(packet.size());
  b.insert(b.end(), packet.begin(), packet.end());
  return b;
}

std::string refusal_key(Refusal r) {
  return std::string(kRefusalPrefix) + to_string(r);
}

std::uint64_t counted(const TransportStats& s, const std::string& key) {
  const auto it = s.dropped.find(key);
  return it == s.dropped.end() ? 0 : it->second;
}

/// Polls `done` every few milliseconds, up to kBound.
bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + kBound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// A transport under test; `tune` changes its options.
class Server {
 public:
  explicit Server(const std::string& name, const std::function<void(TransportOptions&)>& tune) {
    TransportOptions o{.listen = "127.0.0.1:0",
                       .name = name,
                       .boot = 2,
                       .secret = kClusterKey,
                       .replay_window_ms = kWindow};
    tune(o);
    TransportHandlers h;
    h.on_message = [this](core::Envelope&& env) {
      std::lock_guard lk(mu_);
      got_.push_back(std::move(env));
    };
    h.on_peer_gone = [this](const std::string&, std::uint64_t) {
      std::lock_guard lk(mu_);
      ++gone_;
    };
    t = std::make_unique<Transport>(std::move(o), std::move(h));
    t->start();
  }
  ~Server() { t->stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const {
    const std::string a = t->local_addr();
    return static_cast<std::uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
  }
  std::size_t messages() {
    std::lock_guard lk(mu_);
    return got_.size();
  }
  int gone() {
    std::lock_guard lk(mu_);
    return gone_;
  }
  std::uint64_t counter(const std::string& key) const { return counted(t->stats(), key); }
  std::uint64_t connections() const { return t->stats().connections; }
  /// Returns once everything posted to the loop before it has run.
  void barrier() {
    std::promise<void> done;
    auto f = done.get_future();
    t->post([&done] { done.set_value(); });
    ASSERT_EQ(f.wait_for(kBound), std::future_status::ready);
  }

  std::unique_ptr<Transport> t;

 private:
  std::mutex mu_;
  std::vector<core::Envelope> got_;
  int gone_ = 0;
};

/// A raw TCP client with its own io_context. It keeps everything the transport sends, and reads
/// those packets with the cluster secret.
class Client {
 public:
  explicit Client(std::uint16_t port) : s_(io_) {
    s_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  /// Writes `b`, ignoring errors: the transport may close the connection while it is written.
  void write(const Bytes& b) {
    boost::system::error_code ec;
    boost::asio::write(s_, boost::asio::buffer(b), ec);
  }
  /// Sends a packet sealed with the cluster secret, as member `name`.
  void send(wire::PacketType type, const std::string& name, const Bytes& payload = {}) {
    write(framed(seal_.seal(type, wire::Identity{name, 5}, payload, epoch_ms())));
  }
  /// Reads until `n` packets arrived; false if the stream ended or kBound passed first.
  bool await_packets(std::size_t n) {
    return drive([&] { return types().size() >= n; }) && types().size() >= n;
  }
  /// Reads until the transport closes the connection; false if it is still open after kBound.
  bool await_close() {
    return drive([&] { return ended_; });
  }
  /// The types of the complete packets received so far, in order.
  [[nodiscard]] std::vector<wire::PacketType> types() const {
    std::vector<wire::PacketType> out;
    auto rx = wire::Authenticator::with_secret(kClusterKey, kWindow);
    std::size_t pos = 0;
    while (in_.size() - pos >= 4) {
      std::size_t len = 0;
      for (std::size_t i = 0; i < 4; ++i) len |= std::size_t{in_[pos + i]} << (8 * i);
      if (in_.size() - pos - 4 < len) break;
      const auto opened =
          rx.open(std::span<const std::uint8_t>(in_.data() + pos + 4, len), epoch_ms());
      if (const auto* o = std::get_if<wire::Opened>(&opened)) out.push_back(o->type);
      pos += 4 + len;
    }
    return out;
  }

 private:
  bool drive(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + kBound;
    while (!done() && !ended_ && std::chrono::steady_clock::now() < until) {
      if (!reading_) {
        reading_ = true;
        s_.async_read_some(boost::asio::buffer(chunk_), [this](const boost::system::error_code& ec,
                                                               std::size_t n) {
          reading_ = false;
          in_.insert(in_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(n));
          if (ec) ended_ = true;
        });
      }
      io_.restart();
      io_.run_one_for(10ms);
    }
    return done();
  }

  boost::asio::io_context io_;
  tcp::socket s_;
  wire::Authenticator seal_ = wire::Authenticator::with_secret(kClusterKey, kWindow);
  std::array<std::uint8_t, 4096> chunk_{};
  Bytes in_;
  bool reading_ = false;
  bool ended_ = false;
};

/// `n` clients of `b`, each accepted (its hello read) before the next connects.
std::vector<std::unique_ptr<Client>> accepted_clients(const Server& b, int n) {
  std::vector<std::unique_ptr<Client>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<Client>(b.port()));
    EXPECT_TRUE(out.back()->await_packets(1)) << "client " << i << " got no hello";
  }
  return out;
}

using Types = std::vector<wire::PacketType>;
constexpr auto kHello = wire::PacketType::hello;
constexpr auto kGoodbye = wire::PacketType::goodbye;

core::Envelope message_from(const std::string& name, core::Body body) {
  core::Envelope e;
  e.header.self.name = name;
  e.header.self.addr = "127.0.0.1:1";
  e.header.self.boot = 5;
  e.body = std::move(body);
  return e;
}

// ---------------------------------------------------------------------------------------------
// The first frame

TEST(TransportLimits, FirstFrameDeclaringMoreThanTheLimitIsRefusedBeforeItsBody) {
  // Only the length is sent: a transport that waited for the body would never close.
  Server b("b", [](TransportOptions& o) { o.auth_timeout = kForever; });
  Client junk(b.port());
  ASSERT_TRUE(junk.await_packets(1));
  junk.write(length_prefix(TransportOptions{}.first_frame_limit + 1));
  ASSERT_TRUE(junk.await_close()) << "a first frame over the limit kept the connection open";
  EXPECT_EQ(junk.types(), (Types{kHello, kGoodbye}));
  b.barrier();
  EXPECT_EQ(b.counter(refusal_key(Refusal::first_frame_oversized)), 1u);
  EXPECT_EQ(b.counter("oversized"), 1u);
  EXPECT_EQ(b.connections(), 0u);
}

TEST(TransportLimits, FirstFrameOfExactlyTheLimitIsReadAndMustAuthenticate) {
  Server b("b", [](TransportOptions& o) { o.auth_timeout = kForever; });
  Client junk(b.port());
  ASSERT_TRUE(junk.await_packets(1));
  junk.write(framed(Bytes(TransportOptions{}.first_frame_limit, 0xA5)));
  ASSERT_TRUE(junk.await_close());
  EXPECT_EQ(junk.types(), (Types{kHello, kGoodbye}));
  b.barrier();
  // Read whole (not oversized), then refused because it is not a packet of the cluster.
  EXPECT_EQ(b.counter(refusal_key(Refusal::first_frame_oversized)), 0u);
  EXPECT_EQ(b.counter(refusal_key(Refusal::first_frame_refused)), 1u);
  EXPECT_EQ(b.counter("malformed"), 1u);
}

TEST(TransportLimits, AfterTheFirstPacketAuthenticatesLargerFramesAreTaken) {
  Server b("b", [](TransportOptions& o) { o.auth_timeout = kForever; });
  Client member(b.port());
  ASSERT_TRUE(member.await_packets(1));
  member.send(kHello, "m");
  // A leader's heartbeat naming 100 watchers of 1,000 characters: about 100 KB.
  core::Heartbeat hb{.term = 1, .seq = 1};
  hb.watchers.assign(100, std::string(1000, 'w'));
  const Bytes payload = wire::encode(message_from("m", hb));
  ASSERT_GT(payload.size(), TransportOptions{}.first_frame_limit);
  member.send(wire::PacketType::message, "m", payload);
  ASSERT_TRUE(eventually([&] { return b.messages() == 1; }))
      << "oversized: " << b.counter("oversized");
  EXPECT_EQ(b.counter("oversized"), 0u);
  EXPECT_EQ(b.connections(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The time limit

TEST(TransportLimits, SilentConnectionIsClosedAfterTheTimeLimit) {
  Server b("b", [](TransportOptions& o) { o.auth_timeout = 200ms; });
  // A member that authenticates at once, then a silent connection accepted after it: by the
  // time the silent one is closed, the member's own limit has long passed.
  Client member(b.port());
  ASSERT_TRUE(member.await_packets(1));
  member.send(kHello, "m");
  Client silent(b.port());
  ASSERT_TRUE(silent.await_packets(1));
  ASSERT_TRUE(silent.await_close()) << "a silent connection was never closed";
  EXPECT_EQ(silent.types(), (Types{kHello, kGoodbye}));
  b.barrier();
  EXPECT_EQ(b.counter(refusal_key(Refusal::auth_timeout)), 1u);
  EXPECT_EQ(b.connections(), 1u);
  member.send(wire::PacketType::message, "m",
              wire::encode(message_from("m", core::Heartbeat{1, 1})));
  EXPECT_TRUE(eventually([&] { return b.messages() == 1; }));
  EXPECT_EQ(b.gone(), 0);
}

TEST(TransportLimits, ConnectionThatSendsOnlyPartOfItsFirstFrameIsClosedToo) {
  Server b("b", [](TransportOptions& o) { o.auth_timeout = 200ms; });
  Client slow(b.port());
  ASSERT_TRUE(slow.await_packets(1));
  slow.write(length_prefix(1000));
  slow.write(Bytes(500, 1));
  ASSERT_TRUE(slow.await_close());
  b.barrier();
  EXPECT_EQ(b.counter(refusal_key(Refusal::auth_timeout)), 1u);
}

// ---------------------------------------------------------------------------------------------
// The caps

TEST(TransportLimits, PastTheUnauthenticatedCapTheOldestWaitingConnectionIsClosed) {
  Server b("b", [](TransportOptions& o) {
    o.auth_timeout = kForever;
    o.max_unauthenticated = 3;
  });
  auto junk = accepted_clients(b, 3);
  EXPECT_EQ(b.counter(refusal_key(Refusal::unauthenticated_limit)), 0u);
  for (std::size_t extra = 1; extra <= 2; ++extra) {
    junk.push_back(std::make_unique<Client>(b.port()));
    ASSERT_TRUE(junk.back()->await_packets(1));
    // The oldest still open goes, with a goodbye.
    ASSERT_TRUE(junk[extra - 1]->await_close()) << "connection " << extra - 1 << " is still open";
    EXPECT_EQ(junk[extra - 1]->types(), (Types{kHello, kGoodbye}));
    b.barrier();
    EXPECT_EQ(b.counter(refusal_key(Refusal::unauthenticated_limit)), extra);
    EXPECT_EQ(b.connections(), 3u);
  }
}

TEST(TransportLimits, PastTheConnectionCapANewConnectionIsClosedAtOnce) {
  Server b("b", [](TransportOptions& o) {
    o.auth_timeout = kForever;
    o.max_connections = 3;
  });
  auto members = accepted_clients(b, 3);
  for (std::size_t i = 0; i < members.size(); ++i)
    members[i]->send(kHello, "m" + std::to_string(i));
  Client extra(b.port());
  ASSERT_TRUE(extra.await_close()) << "a connection past the cap was kept";
  // Closed before anything was sent on it: not even a hello that it could take for a member.
  EXPECT_TRUE(extra.types().empty());
  b.barrier();
  EXPECT_EQ(b.counter(refusal_key(Refusal::connection_limit)), 1u);
  EXPECT_EQ(b.connections(), 3u);
  EXPECT_EQ(b.gone(), 0);
}

TEST(TransportLimits, AMemberWhoseHelloWaitsUnreadIsNotClosedToMakeRoom) {
  // The transport's loop is held while a member connects and sends its hello and a silent
  // connection follows: when the loop runs again, the silent one may be accepted before the
  // member's hello is read, with one place for both. The hello already there must let the member
  // in rather than see it closed as the oldest waiting connection.
  Server b("b", [](TransportOptions& o) {
    o.auth_timeout = kForever;
    o.max_unauthenticated = 1;
  });
  struct Hold {  // released on every way out, so that stop() never waits for it
    std::promise<void> p;
    bool released = false;
    void release() {
      if (!released) p.set_value();
      released = true;
    }
    ~Hold() { release(); }
  } hold;
  b.t->post([held = hold.p.get_future().share()] { held.wait_for(kBound); });
  Client member(b.port());
  member.send(kHello, "m");
  Client silent(b.port());
  hold.release();
  ASSERT_TRUE(member.await_packets(1));
  ASSERT_TRUE(silent.await_packets(1));
  b.barrier();
  EXPECT_EQ(b.counter(refusal_key(Refusal::unauthenticated_limit)), 0u);
  EXPECT_EQ(b.connections(), 2u);
  member.send(wire::PacketType::message, "m",
              wire::encode(message_from("m", core::Heartbeat{1, 1})));
  EXPECT_TRUE(eventually([&] { return b.messages() == 1; }));
}

// ---------------------------------------------------------------------------------------------
// Members keep working through junk

TEST(TransportLimits, AnAuthenticatedPeerStillWorksWhileJunkConnectionsAreOpen) {
  const auto tune = [](TransportOptions& o) {
    o.auth_timeout = kForever;  // the junk stays until pushed out
    o.max_unauthenticated = 4;
  };
  Server b("b", tune);
  Server a("a", tune);
  const std::string b_addr = b.t->local_addr();
  const std::string a_addr = a.t->local_addr();
  std::vector<std::unique_ptr<Client>> junk;
  std::uint64_t oversized = 0;
  const auto add_junk = [&](int n) {
    for (int i = 0; i < n; ++i) {
      junk.push_back(std::make_unique<Client>(b.port()));
      if (i % 3 == 1) {
        junk.back()->write(length_prefix(16u << 20));  // a 16 MiB frame, begun
        // Read before the next connection arrives, so that it is closed for its size rather
        // than pushed out as the oldest waiting one: the two counts below stay exact.
        ++oversized;
        ASSERT_TRUE(eventually(
            [&] { return b.counter(refusal_key(Refusal::first_frame_oversized)) == oversized; }));
      }
      if (i % 3 == 2) {
        junk.back()->write(length_prefix(60000));
        junk.back()->write(Bytes(30000, 7));  // half of a frame within the limit
      }
    }
  };
  add_junk(12);
  const auto heartbeat = [&] {
    return core::Outgoing{"b", b_addr, message_from("a", core::Heartbeat{1, 1}),
                          core::Route::stream};
  };
  a.t->send(heartbeat());
  ASSERT_TRUE(eventually([&] { return b.messages() == 1; }));
  b.t->send(core::Outgoing{"a", a_addr, message_from("b", core::HeartbeatResp{1, 1, true}),
                           core::Route::stream});
  ASSERT_TRUE(eventually([&] { return a.messages() == 1; }));
  // More junk after the member's connection authenticated: it is not among those pushed out.
  add_junk(12);
  a.t->send(heartbeat());
  ASSERT_TRUE(eventually([&] { return b.messages() == 2; }));
  // Each of the 24 is closed (the 8 that began a 16 MiB frame at once, others to make room), or
  // one of the at most 4 still waiting; the member's connection stays.
  const auto closed = [&] {
    return b.counter(refusal_key(Refusal::unauthenticated_limit)) +
           b.counter(refusal_key(Refusal::first_frame_oversized));
  };
  EXPECT_TRUE(eventually([&] { return closed() + b.connections() == 24 + 1; }))
      << closed() << " closed, " << b.connections() << " open";
  EXPECT_EQ(b.counter(refusal_key(Refusal::first_frame_oversized)), 8u);
  EXPECT_LE(b.connections(), 4u + 1u);
  EXPECT_EQ(a.gone(), 0);
  EXPECT_EQ(b.gone(), 0);
}

// ---------------------------------------------------------------------------------------------
// Memory of one connection

class ConnectionMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(listener.local_endpoint());
    owner_.packet = [this](const std::shared_ptr<Connection>&, std::span<const std::uint8_t>) {
      ++packets_;
    };
    owner_.closed = [](const std::shared_ptr<Connection>&) {};
    owner_.oversized = [this](const std::shared_ptr<Connection>&) { ++oversized_; };
    conn_ = std::make_shared<Connection>(listener.accept(), false, std::string(), &owner_,
                                         std::size_t{1} << 20);
    conn_->limit_frames(kLimit);
    conn_->start();
  }
  void TearDown() override {
    conn_->close_now();
    io_.restart();
    io_.poll();
  }
  /// Writes `b` and lets the connection read all of it.
  void feed(const Bytes& b) {
    boost::asio::write(client_, boost::asio::buffer(b));
    const auto until = std::chrono::steady_clock::now() + kBound;
    boost::system::error_code ec;
    do {
      io_.restart();
      io_.run_one_for(5ms);
    } while (conn_->socket().available(ec) > 0 && !ec && std::chrono::steady_clock::now() < until);
    io_.restart();
    io_.poll();
  }

  static constexpr std::size_t kLimit = 1000;
  boost::asio::io_context io_;
  tcp::socket client_{io_};
  Connection::Owner owner_;
  std::shared_ptr<Connection> conn_;
  int packets_ = 0;
  int oversized_ = 0;
};

TEST_F(ConnectionMemory, AFrameInPiecesHoldsItsOwnSizeAndNoMore) {
  feed(length_prefix(kLimit));
  feed(Bytes(600, 1));
  feed(Bytes(300, 2));
  // Exactly the frame: a buffer grown by doubling would hold 1,208 bytes here.
  EXPECT_EQ(conn_->held_bytes(), 4 + kLimit);
  feed(Bytes(100, 3));
  EXPECT_EQ(packets_, 1);
  EXPECT_EQ(conn_->held_bytes(), 0u);
}

TEST_F(ConnectionMemory, ALengthOverTheLimitKeepsNothingOfTheFrame) {
  // The length split across two reads, then part of the body in the same read.
  const Bytes len = length_prefix(kLimit + 1);
  feed(Bytes(len.begin(), len.begin() + 2));
  Bytes rest(len.begin() + 2, len.end());
  rest.resize(rest.size() + 500, 9);
  feed(rest);
  EXPECT_EQ(oversized_, 1);
  EXPECT_EQ(packets_, 0);
  EXPECT_EQ(conn_->held_bytes(), 0u);
}

TEST_F(ConnectionMemory, NothingAfterARefusedLengthIsRead) {
  // read_now() meets the refused length while the connection's own wait is pending; when that
  // wait completes, what follows the length must not be taken for frames.
  Bytes stream = length_prefix(kLimit + 1);
  stream.resize(stream.size() + 100'000, 0xFF);  // more than one read takes
  boost::asio::write(client_, boost::asio::buffer(stream));
  EXPECT_FALSE(conn_->read_now());
  EXPECT_EQ(oversized_, 1);
  io_.restart();
  io_.run_for(kBound);  // returns as soon as the wait has completed: nothing else is pending
  EXPECT_EQ(oversized_, 1);
  EXPECT_EQ(packets_, 0);
}

}  // namespace
}  // namespace elector::net
