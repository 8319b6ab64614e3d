// The encoding byte by byte: the bools, member status, refusal codes, settings and the gone flag
// take only their defined values, and varints are minimal and fit their field.

#include "codec_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace elector::wire {
namespace {

using namespace testing;

TEST(Codec, BadBoolsAndStatus) {
  Bytes b = plain(core::ElectForward{true});
  ASSERT_EQ(b[kBodyAt], 1u);
  b[kBodyAt] = 2;
  EXPECT_EQ(error_of(b), DecodeError::malformed);

  Bytes c = plain(core::Ack{1});
  c[7] = 0xFF;  // candidate
  EXPECT_EQ(error_of(c), DecodeError::malformed);

  for (std::uint8_t s = 0; s < 4; ++s) {
    Bytes d = plain(core::Ack{1});
    d[5] = s;
    EXPECT_TRUE(std::holds_alternative<core::Envelope>(decode(d)));
  }
  for (unsigned s : {4u, 5u, 0x80u, 0xFFu}) {
    Bytes d = plain(core::Ack{1});
    d[5] = static_cast<std::uint8_t>(s);
    EXPECT_EQ(error_of(d), DecodeError::malformed);
  }
}

TEST(Codec, RefusalsTravelAsTheirStableCodes) {
  // The codes are part of the wire format: a voter of another version must read them the same.
  const std::vector<std::pair<Refusal, std::uint8_t>> codes = {
      {Refusal::none, 0},
      {Refusal::settings_mismatch, 1},
      {Refusal::not_candidate, 2},
      {Refusal::not_member, 3},
      {Refusal::restarting, 4},
      {Refusal::unsaved, 5},
      {Refusal::better_candidate, 6},
      {Refusal::leader, 7},
      {Refusal::promised, 8},
      {Refusal::leader_of_term, 9},
      {Refusal::already_voted, 10},
      {Refusal::stale_term, 11},
      {Refusal::unknown, 12},
  };
  for (const auto& [why, code] : codes) {
    const Bytes b = plain(core::VoteResp{7, false, false, why, 0, ""});
    // term, pre, granted, then the refusal's code.
    EXPECT_EQ(b[kBodyAt + 3], code) << to_string(why);
    EXPECT_EQ(std::get<core::VoteResp>(
                  round_trip(envelope(core::VoteResp{7, false, false, why, 0, ""})).body)
                  .reason,
              why)
        << to_string(why);
  }
  // A code this version does not know is malformed, as an unknown member status is.
  EXPECT_EQ(error_of(plain(core::VoteResp{7, false, false, static_cast<Refusal>(13), 0, ""})),
            DecodeError::malformed);
}

TEST(Codec, BadSettings) {
  Bytes b = plain(core::Ack{1});
  ASSERT_EQ(b[kSettingsAt], 0u);
  b[kSettingsAt] = 2;  // neither absent nor present
  EXPECT_EQ(error_of(b), DecodeError::malformed);

  core::Envelope e;
  e.body = core::Ack{1};
  e.header.settings = some_settings();
  const Bytes good = encode(e);
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(decode(good)));
  // hooks_execution and automatic_elections are the last two bytes before the body (Ack's seq)
  // and the empty gossip list.
  const std::size_t hooks_at = good.size() - 4;
  ASSERT_EQ(good[hooks_at], 1u);
  for (const std::uint8_t bad : {std::uint8_t{2}, std::uint8_t{0xFF}}) {
    Bytes h = good;
    h[hooks_at] = bad;
    EXPECT_EQ(error_of(h), DecodeError::malformed);
    Bytes a = good;
    a[hooks_at + 1] = bad;
    EXPECT_EQ(error_of(a), DecodeError::malformed);
  }
  // Present, but the message ends inside it.
  EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + kSettingsAt + 4)), DecodeError::truncated);
}

TEST(Codec, GoneRidesOnlyOnADeadRecord) {
  // The status byte's high bit: the process ended, as a transport saw.
  Bytes d = plain(core::Ack{1});
  d[5] = 0x82;  // dead | gone
  const auto r = decode(d);
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(r));
  EXPECT_EQ(std::get<core::Envelope>(r).header.self.status, core::MemberStatus::dead);
  EXPECT_TRUE(std::get<core::Envelope>(r).header.self.gone);
  for (unsigned s : {0x81u, 0x83u}) {  // suspect | gone, left | gone
    Bytes e = plain(core::Ack{1});
    e[5] = static_cast<std::uint8_t>(s);
    EXPECT_EQ(error_of(e), DecodeError::malformed) << s;
  }
  core::Envelope in = envelope(core::Ack{1});
  in.gossip.push_back(update("x", 3));
  in.gossip.back().status = core::MemberStatus::dead;
  in.gossip.back().gone = true;
  const core::Envelope out = round_trip(in);
  ASSERT_EQ(out.gossip.size(), in.gossip.size());
  EXPECT_TRUE(out.gossip.back().gone);
  // On any other status the flag is not sent.
  core::Envelope alive = envelope(core::Ack{1});
  alive.header.self.gone = true;
  const auto r2 = decode(encode(alive));
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(r2));
  EXPECT_FALSE(std::get<core::Envelope>(r2).header.self.gone);
}

// Replaces Ack's one-byte seq with `v`.
Bytes ack_with_seq(const Bytes& v) {
  return splice(plain(core::Ack{0}), kBodyAt, 1, v);
}

TEST(Codec, Varints) {
  // The largest value: nine 0xFF then 0x01.
  Bytes max(9, 0xFF);
  max.push_back(0x01);
  auto ok = decode(ack_with_seq(max));
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(ok));
  EXPECT_EQ(std::get<core::Ack>(std::get<core::Envelope>(ok).body).seq, ~0ull);

  Bytes overflow(9, 0xFF);
  overflow.push_back(0x02);  // bit 64
  EXPECT_EQ(error_of(ack_with_seq(overflow)), DecodeError::malformed);

  Bytes eleven(10, 0x80);
  eleven.push_back(0x00);
  EXPECT_EQ(error_of(ack_with_seq(eleven)), DecodeError::malformed);

  EXPECT_EQ(error_of(ack_with_seq({0x81, 0x00})), DecodeError::malformed);  // non-minimal
  Bytes cut = ack_with_seq({0x80});  // continues into the gossip count: 0x80 0x00, non-minimal
  EXPECT_EQ(error_of(cut), DecodeError::malformed);
  cut.pop_back();  // ends inside the varint
  EXPECT_EQ(error_of(cut), DecodeError::truncated);
  auto small = decode(ack_with_seq({0xAC, 0x02}));
  ASSERT_TRUE(std::holds_alternative<core::Envelope>(small));
  EXPECT_EQ(std::get<core::Ack>(std::get<core::Envelope>(small).body).seq, 300u);
}

TEST(Codec, IncarnationBeyondU32IsMalformed) {
  Bytes b = plain(core::Ack{0});
  ASSERT_EQ(b[4], 0u);                                                // incarnation
  const Bytes out = splice(b, 4, 1, {0x80, 0x80, 0x80, 0x80, 0x10});  // 2^32
  EXPECT_EQ(error_of(out), DecodeError::malformed);
}

TEST(Codec, ToString) {
  EXPECT_STREQ(to_string(DecodeError::truncated), "truncated");
  EXPECT_STREQ(to_string(DecodeError::malformed), "malformed");
  EXPECT_STREQ(to_string(DecodeError::oversized), "oversized");
  EXPECT_STREQ(to_string(DecodeError::unknown_kind), "unknown_kind");
}

}  // namespace
}  // namespace elector::wire
