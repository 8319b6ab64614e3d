// net::ConnectionTable on its own: which connections the idle sweep takes, which one a send
// uses, and the order connections wait to authenticate in. The connections are never started
// (no sockets are opened): the table only looks at their bookkeeping.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/connection_table.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace elector::net {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

class ConnectionTableTest : public ::testing::Test {
 protected:
  /// A connection we opened to `addr`, last used at `used`.
  std::shared_ptr<Connection> ours(const std::string& addr, Time used = Time{}) {
    auto c = std::make_shared<Connection>(tcp::socket(io_), true, addr, &owner_, 1 << 20);
    c->last_used = used;
    table_.add_outgoing(c);
    return c;
  }

  /// A connection a peer opened, named `name` by its hello (unnamed if empty).
  std::shared_ptr<Connection> theirs(const std::string& name = {}, Time used = Time{}) {
    auto c = std::make_shared<Connection>(tcp::socket(io_), false, std::string(), &owner_, 1 << 20);
    c->last_used = used;
    table_.add_accepted(c);
    if (!name.empty()) {
      c->peer = wire::Identity{name, 1};
      table_.name_incoming(name, c);
    }
    return c;
  }

  boost::asio::io_context io_;
  Connection::Owner owner_;
  ConnectionTable table_;
  const Time t0 = Time(1000s);
};

TEST_F(ConnectionTableTest, TheSweepTakesOnlyOursUnusedForLongerThanTheLimit) {
  const auto stale = ours("10.0.0.1:7000", t0);
  const auto at_limit = ours("10.0.0.2:7000", t0 + 1s);
  const auto fresh = ours("10.0.0.3:7000", t0 + 50s);
  const auto peers = theirs("p", t0);  // unused as long as `stale`, but the peer's to close

  const auto idle = table_.take_idle(t0 + 61s, 60s);
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(idle[0], stale);
  // Taken out of the index a send looks in, but still open (and counted) until it ends.
  EXPECT_EQ(table_.usable_to("10.0.0.1:7000", ""), nullptr);
  EXPECT_EQ(table_.usable_to("10.0.0.2:7000", ""), at_limit);
  EXPECT_EQ(table_.usable_to("10.0.0.3:7000", ""), fresh);
  EXPECT_EQ(table_.usable_to("", "p"), peers);
  EXPECT_EQ(table_.size(), 4u);
  EXPECT_EQ(table_.open(), 4);
  // Taken once only.
  EXPECT_TRUE(table_.take_idle(t0 + 61s, 60s).empty());
}

TEST_F(ConnectionTableTest, ASendTakesOursThenThePeersThenNone) {
  const auto in = theirs("b");
  EXPECT_EQ(table_.usable_to("10.0.0.2:7000", "b"), in);
  const auto out = ours("10.0.0.2:7000");
  EXPECT_EQ(table_.usable_to("10.0.0.2:7000", "b"), out);
  out->closing_by_us = true;
  EXPECT_EQ(table_.usable_to("10.0.0.2:7000", "b"), in);
  in->closing_by_us = true;
  EXPECT_EQ(table_.usable_to("10.0.0.2:7000", "b"), nullptr);
  EXPECT_EQ(table_.usable_to("10.0.0.9:7000", "z"), nullptr);
}

TEST_F(ConnectionTableTest, AnEndedConnectionLeavesButANewerOneToTheSameAddressStays) {
  const auto first = ours("10.0.0.1:7000");
  const auto second = ours("10.0.0.1:7000");  // replaces `first` in the index
  table_.remove(first);
  EXPECT_EQ(table_.usable_to("10.0.0.1:7000", ""), second);
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_EQ(table_.open(), 1);
  table_.remove(second);
  EXPECT_EQ(table_.usable_to("10.0.0.1:7000", ""), nullptr);
  EXPECT_EQ(table_.open(), 0);

  const auto named = theirs("a");
  table_.remove(named);
  EXPECT_EQ(table_.usable_to("", "a"), nullptr);
}

TEST_F(ConnectionTableTest, AcceptedConnectionsWaitOldestFirst) {
  EXPECT_EQ(table_.oldest_awaiting(), nullptr);
  const auto a = theirs();
  const auto b = theirs();
  const auto c = theirs();
  EXPECT_EQ(table_.awaiting(), 3u);
  EXPECT_EQ(table_.oldest_awaiting(), a);
  // Forgetting one in the middle leaves the earliest deadline where it was.
  EXPECT_FALSE(table_.forget_awaiting(*b));
  EXPECT_EQ(b->awaiting_auth, 0u);
  EXPECT_EQ(table_.oldest_awaiting(), a);
  // Forgetting the oldest moves it.
  EXPECT_TRUE(table_.forget_awaiting(*a));
  EXPECT_EQ(table_.oldest_awaiting(), c);
  // A connection that does not wait is not forgotten twice.
  EXPECT_FALSE(table_.forget_awaiting(*a));
  EXPECT_EQ(table_.awaiting(), 1u);
  // Ours never wait.
  const auto out = ours("10.0.0.1:7000");
  EXPECT_EQ(out->awaiting_auth, 0u);
  EXPECT_EQ(table_.awaiting(), 1u);
}

}  // namespace
}  // namespace elector::net
