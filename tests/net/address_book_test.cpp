// Peers' addresses (net::AddressBook, net::lookup): literals at once, names on the worker thread,
// answers refreshed on use, failures retried with backoff, and every record of a name a seed.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/address.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "net/clock.hpp"

namespace elector::net {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

tcp::endpoint ep(const char* ip, std::uint16_t port) {
  return {make_address(ip), port};
}

/// Answers given in order, one per lookup, and the names asked.
struct Script {
  std::mutex mu;
  std::deque<Lookup> answers;
  std::vector<std::string> asked;
  AddressBook::LookupFn fn() {
    return [this](const std::string& addr) {
      std::lock_guard lk(mu);
      asked.push_back(addr);
      if (answers.empty()) return Lookup{LookupStatus::failed, {}, "no answer scripted"};
      Lookup r = answers.front();
      answers.pop_front();
      return r;
    };
  }
};

struct Book {
  boost::asio::io_context io;
  std::vector<std::string> lines;
  Diagnostics log{[this](LogLevel, const std::string& t) { lines.push_back(t); }, "n1"};
  Script script;
  std::vector<std::string> done;
  AddressBook book{io, log, AddressBookTuning{.refresh = 100s, .retry_min = 10s, .retry_max = 40s},
                   script.fn()};
  Book() {
    book.on_lookup_done([this](const std::string& a) { done.push_back(a); });
  }
  /// Runs the loop until the lookup in flight delivers its answer.
  void answer() {
    io.restart();  // the last guard's end stopped it
    auto guard = boost::asio::make_work_guard(io);
    const auto before = done.size();
    while (done.size() == before) io.run_one();
  }
  std::vector<tcp::endpoint> at(const std::string& a, Time now) {
    const auto s = book.resolve(a, now);
    return {s.begin(), s.end()};
  }
};

TEST(AddressBook, ALiteralIsItsEndpointAtOnceAndNeverLookedUp) {
  Book b;
  bool literal = false;
  const auto s = b.book.resolve("[::1]:7946", mono(), &literal);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], ep("::1", 7946));
  EXPECT_TRUE(literal);
  EXPECT_EQ(b.at("127.0.0.1:7001", mono() + 1h), std::vector{ep("127.0.0.1", 7001)});
  EXPECT_EQ(b.book.lookups(), 0u);
}

TEST(AddressBook, ANameIsPendingUntilItsFirstAnswerThenEveryRecordIsKnown) {
  Book b;
  b.script.answers.push_back(
      {LookupStatus::found, {ep("10.0.0.1", 7946), ep("10.0.0.2", 7946)}, ""});
  const Time t0 = mono();
  EXPECT_TRUE(b.at("peers.example:7946", t0).empty());
  EXPECT_TRUE(b.book.pending("peers.example:7946"));
  b.answer();
  EXPECT_FALSE(b.book.pending("peers.example:7946"));
  EXPECT_EQ(b.done, std::vector<std::string>{"peers.example:7946"});
  EXPECT_EQ(b.at("peers.example:7946", t0 + 1s),
            (std::vector{ep("10.0.0.1", 7946), ep("10.0.0.2", 7946)}));
  EXPECT_EQ(b.book.lookups(), 1u);
}

TEST(AddressBook, AnOldAnswerIsUsedWhileTheNameIsLookedUpAgainAndTheNewRecordsReplaceIt) {
  Book b;
  b.script.answers.push_back({LookupStatus::found, {ep("10.0.0.1", 7946)}, ""});
  b.script.answers.push_back({LookupStatus::found, {ep("10.0.0.3", 7946)}, ""});
  b.at("peers.example:7946", mono());
  b.answer();
  const Time later = mono() + 101s;  // past the refresh
  EXPECT_EQ(b.at("peers.example:7946", later), std::vector{ep("10.0.0.1", 7946)});
  EXPECT_EQ(b.book.lookups(), 2u);
  EXPECT_FALSE(b.book.pending("peers.example:7946"));
  b.answer();
  EXPECT_EQ(b.at("peers.example:7946", mono()), std::vector{ep("10.0.0.3", 7946)});
  EXPECT_EQ(b.book.lookups(), 2u);
}

TEST(AddressBook, ANameWithoutRecordsIsAskedAgainAfterABackoffThatDoublesUpToItsMaximum) {
  Book b;
  for (int i = 0; i < 5; ++i) b.script.answers.push_back({LookupStatus::no_record, {}, "NXDOMAIN"});
  b.script.answers.push_back({LookupStatus::found, {ep("10.0.0.9", 7946)}, ""});
  const std::string a = "late.example:7946";
  b.at(a, mono());
  b.answer();
  // Backoffs 10, 20, 40, 40 s: not asked before each has passed, asked once it has.
  for (const auto wait : {10s, 20s, 40s, 40s}) {
    const auto asked = b.book.lookups();
    const Time failed_at = mono();
    EXPECT_TRUE(b.at(a, failed_at + wait - 5s).empty());
    EXPECT_EQ(b.book.lookups(), asked) << "asked again before " << wait.count() << " s";
    b.at(a, failed_at + wait + 5s);
    EXPECT_EQ(b.book.lookups(), asked + 1) << "not asked after " << wait.count() << " s";
    b.answer();
  }
  b.at(a, mono() + 41s);
  b.answer();
  EXPECT_EQ(b.at(a, mono()), std::vector{ep("10.0.0.9", 7946)});
  // One line when the failure starts, one when it ends.
  ASSERT_EQ(b.lines.size(), 2u);
  EXPECT_NE(b.lines[0].find("cannot resolve address \"late.example:7946\": NXDOMAIN"),
            std::string::npos);
  EXPECT_NE(b.lines[1].find("resolves again"), std::string::npos);
}

TEST(AddressBook, ADnsThatDoesNotAnswerLeavesTheLastAnswerButNoRecordsClearsIt) {
  Book b;
  b.script.answers.push_back({LookupStatus::found, {ep("10.0.0.1", 7946)}, ""});
  b.script.answers.push_back({LookupStatus::failed, {}, "timed out"});
  b.script.answers.push_back({LookupStatus::no_record, {}, "NXDOMAIN"});
  const std::string a = "peers.example:7946";
  b.at(a, mono());
  b.answer();
  b.at(a, mono() + 101s);
  b.answer();
  EXPECT_EQ(b.at(a, mono()), std::vector{ep("10.0.0.1", 7946)});
  b.at(a, mono() + 11s);
  b.answer();
  EXPECT_TRUE(b.at(a, mono()).empty());
  EXPECT_FALSE(b.book.pending(a));
}

TEST(AddressBook, TextThatIsNoAddressIsNeverLookedUpAndAfterStopNothingStarts) {
  Book b;
  EXPECT_TRUE(b.at("no-port", mono()).empty());
  EXPECT_FALSE(b.book.pending("no-port"));
  EXPECT_EQ(b.book.lookups(), 0u);
  b.book.stop();
  EXPECT_TRUE(b.at("peers.example:7946", mono()).empty());
  EXPECT_EQ(b.book.lookups(), 0u);
}

TEST(DnsLookup, ALiteralOrLocalhostNeedsNoDnsServerAndBadTextIsInvalid) {
  const auto lit = lookup("[2001:db8::7]:9");
  EXPECT_EQ(lit.status, LookupStatus::found);
  EXPECT_EQ(lit.endpoints, std::vector{ep("2001:db8::7", 9)});
  // /etc/hosts names localhost on every Debian system.
  const auto local = lookup("localhost:7946");
  ASSERT_EQ(local.status, LookupStatus::found) << local.error;
  for (const auto& e : local.endpoints) {
    EXPECT_TRUE(e.address().is_loopback()) << e;
    EXPECT_EQ(e.port(), 7946);
  }
  EXPECT_EQ(lookup("nonsense").status, LookupStatus::invalid);
  EXPECT_TRUE(is_srv("srv:_gossip._udp.example"));
  EXPECT_FALSE(is_srv("srv:"));
}

}  // namespace
}  // namespace elector::net
