// Input the decoder must refuse: truncated, unknown or trailing bytes, anything over the size
// limits (without allocating for what a count merely claims), and random or mutated bytes.

#include "codec_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace elector::wire {
namespace {

using namespace testing;

TEST(Codec, EveryTruncationFails) {
  for (const auto& body : every_kind()) {
    const Bytes full = encode(envelope(body));
    for (std::size_t n = 0; n < full.size(); ++n) {
      const auto r = decode(std::span<const std::uint8_t>(full.data(), n));
      ASSERT_TRUE(std::holds_alternative<DecodeError>(r))
          << "kind " << body.index() << " len " << n;
      const auto e = std::get<DecodeError>(r);
      EXPECT_TRUE(e == DecodeError::truncated || e == DecodeError::malformed)
          << "kind " << body.index() << " len " << n << ": " << to_string(e);
    }
  }
}

TEST(Codec, UnknownKind) {
  Bytes b = encode(envelope(core::Ack{1}));
  for (unsigned k : {14u, 15u, 200u, 255u}) {
    b[0] = static_cast<std::uint8_t>(k);
    const auto r = decode(b);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r));
    EXPECT_EQ(std::get<DecodeError>(r), DecodeError::unknown_kind);
  }
}

TEST(Codec, TrailingByteIsMalformed) {
  for (const auto& body : every_kind()) {
    Bytes b = encode(envelope(body));
    b.push_back(0);
    const auto r = decode(b);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r));
    EXPECT_EQ(std::get<DecodeError>(r), DecodeError::malformed);
  }
}

TEST(Codec, OversizedString) {
  EXPECT_EQ(error_of(encode(envelope(core::Ping{1, std::string(kMaxString + 1, 'x')}))),
            DecodeError::oversized);
  // At the limit it still decodes.
  EXPECT_EQ(
      std::get<core::Ping>(round_trip(envelope(core::Ping{1, std::string(kMaxString, 'x')})).body)
          .target.size(),
      kMaxString);
  core::Envelope e = envelope(core::Gossip{});
  e.header.self.meta.control = std::string(kMaxString + 1, 'c');
  EXPECT_EQ(error_of(encode(e)), DecodeError::oversized);
}

TEST(Codec, OversizedGossip) {
  core::Envelope e = envelope(core::Gossip{});
  e.gossip.assign(kMaxGossip + 1, update("g", 1));
  EXPECT_EQ(error_of(encode(e)), DecodeError::oversized);
  e.gossip.resize(kMaxGossip);
  EXPECT_EQ(round_trip(e).gossip.size(), kMaxGossip);
}

TEST(Codec, OversizedPushPullState) {
  // Members with empty strings keep the encoding small.
  auto v = std::make_shared<std::vector<core::MemberUpdate>>(kMaxMembers + 1);
  EXPECT_EQ(error_of(encode(envelope(core::PushPull{v, false, false, "", 0}))),
            DecodeError::oversized);
}

TEST(Codec, HugeCountsFailWithoutAllocating) {
  // PushPull claiming 2^40 members: over the limit.
  Bytes b = plain(core::PushPull{});
  ASSERT_EQ(b[kBodyAt], 0u);
  const Bytes huge = splice(b, kBodyAt, b.size() - kBodyAt, {0x80, 0x80, 0x80, 0x80, 0x80, 0x20});
  EXPECT_EQ(error_of(huge), DecodeError::oversized);
  // Within the limit but with nothing behind it: truncated, not a 100000-element reservation.
  const Bytes short_list = splice(b, kBodyAt, b.size() - kBodyAt, {0xA0, 0x8D, 0x06});  // 100000
  EXPECT_EQ(error_of(short_list), DecodeError::truncated);
  // A string claiming 2^62 bytes.
  Bytes s = plain(core::Ping{1, ""});
  const Bytes long_str = splice(s, kBodyAt + 1, s.size() - kBodyAt - 1,
                                {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40});
  EXPECT_EQ(error_of(long_str), DecodeError::oversized);
}

TEST(Codec, OversizedPayload) {
  Bytes b = plain(core::Ack{1});
  b.resize(kMaxPayload + 1, 0);
  EXPECT_EQ(error_of(b), DecodeError::oversized);
}

// Random input never crashes; whatever decodes re-encodes to the same bytes (the encoding is
// canonical, so nothing is silently dropped or normalised).
TEST(Codec, RandomBytesNeverCrash) {
  std::mt19937_64 rng(20240601);
  std::size_t decoded = 0;
  const auto check = [&](const Bytes& b) {
    const auto r = decode(b);
    if (const auto* env = std::get_if<core::Envelope>(&r)) {
      ++decoded;
      EXPECT_EQ(encode(*env), b);
    }
  };
  for (int i = 0; i < 20000; ++i) {
    Bytes b(rng() % 96);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    if (!b.empty()) b[0] = static_cast<std::uint8_t>(b[0] % 16);  // mostly known kinds
    check(b);
  }
  // Mutations of valid encodings reach deeper into the decoder.
  const auto all = every_kind();
  for (int i = 0; i < 20000; ++i) {
    Bytes b = encode(envelope(all[rng() % all.size()]));
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    check(b);
  }
  EXPECT_GT(decoded, 0u);  // the mutations do sometimes produce valid envelopes
}

}  // namespace
}  // namespace elector::wire
