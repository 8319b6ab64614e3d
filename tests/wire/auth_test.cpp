#include "wire/auth.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace elector::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::int64_t kWindowMs = 60000;
constexpr std::uint64_t kNow = 1'700'000'000'000;

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Authenticator secure() {
  return Authenticator::with_secret("correct horse", kWindowMs);
}

const Identity kAlice{"alice", 7};

OpenError error_of(const std::variant<Opened, OpenError>& r) {
  if (!std::holds_alternative<OpenError>(r)) {
    ADD_FAILURE() << "opened unexpectedly";
    return OpenError::malformed;
  }
  return std::get<OpenError>(r);
}

const Opened& opened(const std::variant<Opened, OpenError>& r) {
  static const Opened none{};
  if (const auto* e = std::get_if<OpenError>(&r)) {
    ADD_FAILURE() << "open failed: " << to_string(*e);
    return none;
  }
  return std::get<Opened>(r);
}

TEST(Auth, SealOpenRoundTrip) {
  auto tx = secure();
  auto rx = secure();
  EXPECT_TRUE(tx.secure());
  const Bytes payload = bytes("an encoded envelope");
  const Bytes p = tx.seal(PacketType::message, kAlice, payload, kNow);
  EXPECT_EQ(p.size(), 4 + 1 + 24 + 1 + kAlice.name.size() + 4 + payload.size() + 32);
  EXPECT_EQ(Bytes(p.begin(), p.begin() + 4), bytes("ELC1"));
  EXPECT_EQ(p[4], 0x80);  // message, with a MAC

  const auto r = rx.open(p, kNow + 5);
  const Opened& o = opened(r);
  EXPECT_EQ(o.type, PacketType::message);
  EXPECT_EQ(o.from.name, "alice");
  EXPECT_EQ(o.from.boot, 7u);
  EXPECT_EQ(Bytes(o.payload.begin(), o.payload.end()), payload);
  EXPECT_EQ(o.payload.data(), p.data() + (p.size() - 32 - payload.size()));  // points into p

  for (PacketType t : {PacketType::hello, PacketType::goodbye}) {
    const auto q = tx.seal(t, kAlice, {}, kNow);
    const auto rq = rx.open(q, kNow);
    const Opened& oq = opened(rq);
    EXPECT_EQ(oq.type, t);
    EXPECT_TRUE(oq.payload.empty());
  }
}

TEST(Auth, SequenceNumbersGrow) {
  auto tx = secure();
  const auto a = tx.seal(PacketType::message, kAlice, {}, kNow);
  const auto b = tx.seal(PacketType::message, kAlice, {}, kNow);
  // seq is at offset 13, little-endian.
  EXPECT_EQ(a[13], 1u);
  EXPECT_EQ(b[13], 2u);
}

TEST(Auth, WrongSecretIsUnauthenticated) {
  auto tx = Authenticator::with_secret("one secret", kWindowMs);
  auto rx = Authenticator::with_secret("another secret", kWindowMs);
  const auto p = tx.seal(PacketType::message, kAlice, bytes("x"), kNow);
  EXPECT_EQ(error_of(rx.open(p, kNow)), OpenError::unauthenticated);
}

TEST(Auth, EmptySecretOrNameRejected) {
  EXPECT_THROW(Authenticator::with_secret("", kWindowMs), std::invalid_argument);
  auto tx = secure();
  EXPECT_THROW(tx.seal(PacketType::message, Identity{"", 1}, {}, kNow), std::invalid_argument);
  EXPECT_THROW(tx.seal(PacketType::message, Identity{std::string(256, 'n'), 1}, {}, kNow),
               std::length_error);
  const auto p = tx.seal(PacketType::message, Identity{std::string(255, 'n'), 1}, {}, kNow);
  auto rx = secure();
  EXPECT_EQ(opened(rx.open(p, kNow)).from.name.size(), 255u);
}

TEST(Auth, TamperedByteAnywhereIsRefused) {
  auto tx = secure();
  auto rx = secure();
  const auto p = tx.seal(PacketType::message, kAlice, bytes("payload bytes"), kNow);
  for (std::size_t i = 0; i < p.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes q = p;
      q[i] ^= flip;
      const auto e = error_of(rx.open(q, kNow));
      EXPECT_TRUE(e == OpenError::unauthenticated || e == OpenError::malformed ||
                  e == OpenError::truncated || e == OpenError::oversized)
          << "byte " << i << ": " << to_string(e);
    }
  }
  // Nothing above was recorded: the genuine packet still opens.
  EXPECT_EQ(opened(rx.open(p, kNow)).from.name, "alice");
}

TEST(Auth, SamePacketTwiceIsReplayed) {
  auto tx = secure();
  auto rx = secure();
  const auto p = tx.seal(PacketType::message, kAlice, bytes("x"), kNow);
  ASSERT_TRUE(std::holds_alternative<Opened>(rx.open(p, kNow)));
  EXPECT_EQ(error_of(rx.open(p, kNow)), OpenError::replayed);
  EXPECT_EQ(error_of(rx.open(p, kNow + 1000)), OpenError::replayed);
}

TEST(Auth, BootOrdering) {
  auto tx = secure();
  auto rx = secure();
  const auto old_boot = tx.seal(PacketType::message, Identity{"alice", 6}, {}, kNow);
  const auto boot7 = tx.seal(PacketType::message, Identity{"alice", 7}, {}, kNow);
  const auto boot8 = tx.seal(PacketType::message, Identity{"alice", 8}, {}, kNow);
  ASSERT_TRUE(std::holds_alternative<Opened>(rx.open(boot7, kNow)));
  EXPECT_EQ(error_of(rx.open(old_boot, kNow)), OpenError::replayed);
  // A newer boot starts a new window, even with a low sequence number.
  auto restarted = secure();
  const auto fresh = restarted.seal(PacketType::message, Identity{"alice", 8}, {}, kNow);
  EXPECT_EQ(opened(rx.open(fresh, kNow)).from.boot, 8u);
  EXPECT_EQ(opened(rx.open(boot8, kNow)).from.boot, 8u);
  // After that, boot 7 is over.
  const auto late7 = tx.seal(PacketType::message, Identity{"alice", 7}, {}, kNow);
  EXPECT_EQ(error_of(rx.open(late7, kNow)), OpenError::replayed);
  // Windows are per sender name.
  const auto bob = tx.seal(PacketType::message, Identity{"bob", 1}, {}, kNow);
  EXPECT_EQ(opened(rx.open(bob, kNow)).from.name, "bob");
}

TEST(Auth, OutOfOrderWithinWindowAcceptedOnce) {
  auto tx = secure();
  auto rx = secure();
  std::vector<Bytes> p;
  for (int i = 0; i < 5; ++i) p.push_back(tx.seal(PacketType::message, kAlice, {}, kNow));
  for (int i : {4, 2, 0, 3, 1}) {
    EXPECT_TRUE(std::holds_alternative<Opened>(rx.open(p[static_cast<std::size_t>(i)], kNow))) << i;
  }
  for (int i : {0, 1, 2, 3, 4}) {
    EXPECT_EQ(error_of(rx.open(p[static_cast<std::size_t>(i)], kNow)), OpenError::replayed) << i;
  }
}

TEST(Auth, BeyondTheWindowIsReplayed) {
  auto tx = Authenticator::insecure(kWindowMs);  // the window logic is the same; skip the MACs
  auto rx = Authenticator::insecure(kWindowMs);
  std::vector<Bytes> p;  // p[i] has seq i + 1
  for (std::uint64_t i = 0; i <= kReplayWindow; ++i) {
    p.push_back(tx.seal(PacketType::message, kAlice, {}, kNow));
  }
  ASSERT_TRUE(std::holds_alternative<Opened>(rx.open(p[kReplayWindow], kNow)));  // seq 4097
  EXPECT_TRUE(std::holds_alternative<Opened>(rx.open(p[1], kNow)));              // 4097 - 2 < 4096
  EXPECT_EQ(error_of(rx.open(p[0], kNow)), OpenError::replayed);                 // 4097 - 1 = 4096
}

TEST(Auth, WindowSlidesCleanly) {
  auto tx = secure();
  auto rx = secure();
  std::vector<Bytes> p(1);  // p[seq]
  for (std::uint64_t s = 1; s <= kReplayWindow + 5; ++s) {
    p.push_back(tx.seal(PacketType::message, kAlice, {}, kNow));
  }
  const auto ok = [&](std::uint64_t s) {
    return std::holds_alternative<Opened>(rx.open(p[static_cast<std::size_t>(s)], kNow));
  };
  EXPECT_TRUE(ok(3));
  EXPECT_TRUE(ok(5));
  EXPECT_TRUE(ok(10));
  EXPECT_TRUE(ok(kReplayWindow + 5));  // same slot as 5; slides past 5 but not past 10
  EXPECT_FALSE(ok(5));                 // fell out of the window
  EXPECT_FALSE(ok(10));                // still in it, already seen
  EXPECT_TRUE(ok(kReplayWindow + 4));  // its slot was never used
  EXPECT_TRUE(ok(kReplayWindow + 3));  // same slot as 3, which the slide must have cleared
  EXPECT_TRUE(ok(11));
  EXPECT_FALSE(ok(11));
  EXPECT_FALSE(ok(kReplayWindow + 5));
}

TEST(Auth, StaleWallClock) {
  auto tx = secure();
  auto rx = secure();
  const auto p = tx.seal(PacketType::message, kAlice, {}, kNow);
  EXPECT_EQ(error_of(rx.open(p, kNow + kWindowMs + 1)), OpenError::stale);
  EXPECT_EQ(error_of(rx.open(p, kNow - kWindowMs - 1)), OpenError::stale);
  // A stale packet was not recorded; at the edge of the window it is fresh.
  EXPECT_TRUE(std::holds_alternative<Opened>(rx.open(p, kNow + kWindowMs)));
  const auto q = tx.seal(PacketType::message, kAlice, {}, kNow);
  EXPECT_TRUE(std::holds_alternative<Opened>(rx.open(q, kNow - kWindowMs)));
}

TEST(Auth, InsecureRoundTrip) {
  auto tx = Authenticator::insecure(kWindowMs);
  auto rx = Authenticator::insecure(kWindowMs);
  EXPECT_FALSE(tx.secure());
  const Bytes payload = bytes("hello");
  const auto p = tx.seal(PacketType::message, kAlice, payload, kNow);
  EXPECT_EQ(p.size(), 4 + 1 + 24 + 1 + kAlice.name.size() + 4 + payload.size());
  EXPECT_EQ(p[4], 0x00);  // no MAC bit
  const auto r = rx.open(p, kNow);
  const Opened& o = opened(r);
  EXPECT_EQ(o.from.name, "alice");
  EXPECT_EQ(Bytes(o.payload.begin(), o.payload.end()), payload);
  // Replay checks still apply.
  EXPECT_EQ(error_of(rx.open(p, kNow)), OpenError::replayed);
  EXPECT_EQ(error_of(rx.open(tx.seal(PacketType::message, kAlice, {}, kNow), kNow + kWindowMs + 1)),
            OpenError::stale);
}

TEST(Auth, InsecureReceiverAcceptsMacUnchecked) {
  auto tx = Authenticator::with_secret("whatever", kWindowMs);
  auto rx = Authenticator::insecure(kWindowMs);
  const Bytes payload = bytes("with mac");
  auto p = tx.seal(PacketType::message, kAlice, payload, kNow);
  p.back() ^= 0xFF;  // not checked
  const auto r = rx.open(p, kNow);
  const Opened& o = opened(r);
  EXPECT_EQ(Bytes(o.payload.begin(), o.payload.end()), payload);
}

TEST(Auth, SecureReceiverRefusesMaclessPacket) {
  auto tx = Authenticator::insecure(kWindowMs);
  auto rx = secure();
  const auto p = tx.seal(PacketType::message, kAlice, bytes("x"), kNow);
  EXPECT_EQ(error_of(rx.open(p, kNow)), OpenError::unauthenticated);
  // Stripping the MAC off a secure packet (and its bit) does not help either.
  auto sealed = secure().seal(PacketType::message, kAlice, bytes("x"), kNow);
  sealed.resize(sealed.size() - 32);
  sealed[4] &= 0x7F;
  EXPECT_EQ(error_of(rx.open(sealed, kNow)), OpenError::unauthenticated);
}

TEST(Auth, RefusalRoundTrip) {
  const auto p = Authenticator::refusal("bad cluster secret");
  EXPECT_EQ(p[4], static_cast<std::uint8_t>(PacketType::refused));
  for (auto rx : {secure(), Authenticator::insecure(kWindowMs)}) {
    for (int twice = 0; twice < 2; ++twice) {            // not subject to replay checks
      const auto r = rx.open(p, kNow + 10 * kWindowMs);  // nor to staleness
      const Opened& o = opened(r);
      EXPECT_EQ(o.type, PacketType::refused);
      EXPECT_TRUE(o.from.name.empty());
      EXPECT_EQ(o.from.boot, 0u);
      EXPECT_EQ(std::string(o.payload.begin(), o.payload.end()), "bad cluster secret");
    }
  }
}

TEST(Auth, RefusalLimits) {
  auto rx = secure();
  const auto cut = Authenticator::refusal(std::string(2000, 'r'));
  EXPECT_EQ(opened(rx.open(cut, kNow)).payload.size(), 512u);

  // A hand-made refusal with a 513-byte reason.
  auto big = Authenticator::refusal(std::string(512, 'r'));
  const std::size_t len_at = 4 + 1 + 24 + 1;
  big[len_at] = 0x01;
  big[len_at + 1] = 0x02;  // 513
  big.push_back('r');
  EXPECT_EQ(error_of(rx.open(big, kNow)), OpenError::oversized);

  // A refusal claiming a sender or a MAC is not a refusal this version sends.
  auto named = Authenticator::refusal("x");
  named[5] = 1;  // boot
  EXPECT_EQ(error_of(rx.open(named, kNow)), OpenError::malformed);
  auto maced = Authenticator::refusal("x");
  maced[4] |= 0x80;
  maced.resize(maced.size() + 32, 0);
  EXPECT_EQ(error_of(rx.open(maced, kNow)), OpenError::malformed);
}

TEST(Auth, TruncatedAtEveryLength) {
  auto tx = secure();
  auto insecure_tx = Authenticator::insecure(kWindowMs);
  const std::vector<Bytes> packets = {
      tx.seal(PacketType::message, kAlice, bytes("some payload"), kNow),
      insecure_tx.seal(PacketType::hello, kAlice, {}, kNow),
      Authenticator::refusal("no"),
  };
  auto rx = secure();
  auto insecure_rx = Authenticator::insecure(kWindowMs);
  for (const auto& p : packets) {
    for (std::size_t n = 0; n < p.size(); ++n) {
      const std::span<const std::uint8_t> cut(p.data(), n);
      const auto e1 = error_of(rx.open(cut, kNow));
      const auto e2 = error_of(insecure_rx.open(cut, kNow));
      EXPECT_EQ(e1, OpenError::truncated) << n;
      EXPECT_EQ(e2, OpenError::truncated) << n;
    }
  }
}

TEST(Auth, MalformedPackets) {
  auto tx = secure();
  auto rx = secure();
  auto p = tx.seal(PacketType::message, kAlice, bytes("x"), kNow);
  auto trailing = p;
  trailing.push_back(0);
  EXPECT_EQ(error_of(rx.open(trailing, kNow)), OpenError::malformed);
  auto magic = p;
  magic[3] = '2';
  EXPECT_EQ(error_of(rx.open(magic, kNow)), OpenError::malformed);
  auto type = p;
  type[4] = 0x84;
  EXPECT_EQ(error_of(rx.open(type, kNow)), OpenError::malformed);
  Bytes huge(kMaxPacket + 1, 0);
  EXPECT_EQ(error_of(rx.open(huge, kNow)), OpenError::oversized);
  // The genuine packet is still fine.
  EXPECT_TRUE(std::holds_alternative<Opened>(rx.open(p, kNow)));
}

TEST(Auth, ForgetIdle) {
  constexpr std::int64_t kW = 1000;
  auto tx = Authenticator::with_secret("s", kW);
  auto rx = Authenticator::with_secret("s", kW);
  const auto boot8 = tx.seal(PacketType::message, Identity{"alice", 8}, {}, kNow);
  ASSERT_TRUE(std::holds_alternative<Opened>(rx.open(boot8, kNow)));

  // Too early to forget, whatever idle_ms says: the packet is still fresh and must stay replayed.
  rx.forget_idle(kNow + 500, 100);
  EXPECT_EQ(error_of(rx.open(boot8, kNow + 500)), OpenError::replayed);
  const auto boot7 = tx.seal(PacketType::message, Identity{"alice", 7}, {}, kNow + 2001);
  EXPECT_EQ(error_of(rx.open(boot7, kNow + 2001)), OpenError::replayed);

  // Idle long enough: the window is gone, so an older boot is accepted again.
  rx.forget_idle(kNow + 2001, 100);
  const auto boot7b = tx.seal(PacketType::message, Identity{"alice", 7}, {}, kNow + 2001);
  EXPECT_EQ(opened(rx.open(boot7b, kNow + 2001)).from.boot, 7u);
}

TEST(Auth, ToString) {
  EXPECT_STREQ(to_string(OpenError::truncated), "truncated");
  EXPECT_STREQ(to_string(OpenError::malformed), "malformed");
  EXPECT_STREQ(to_string(OpenError::oversized), "oversized");
  EXPECT_STREQ(to_string(OpenError::unauthenticated), "unauthenticated");
  EXPECT_STREQ(to_string(OpenError::replayed), "replayed");
  EXPECT_STREQ(to_string(OpenError::stale), "stale");
}

}  // namespace
}  // namespace elector::wire
