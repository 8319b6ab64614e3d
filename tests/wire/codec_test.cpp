#include "wire/codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace elector::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

core::MemberUpdate update(const std::string& name, std::uint64_t n) {
  core::MemberUpdate u;
  u.name = name;
  u.addr = "10.0.0." + std::to_string(n) + ":7946";
  u.boot = 1'700'000'000'000 + n;
  u.incarnation = 0xFFFF'FFF0u + static_cast<std::uint32_t>(n % 8);
  u.status = static_cast<core::MemberStatus>(n % 4);
  u.meta.priority = -static_cast<std::int64_t>(n) - 100;
  u.meta.candidate = n % 2 == 0;
  u.meta.settings_hash = 0x0123'4567'89AB'CDEFull ^ n;
  u.meta.control = "127.0.0.1:" + std::to_string(9000 + n);
  u.age_ms = static_cast<std::int64_t>(n * 1000) + 1;
  u.from = "suspector-" + std::to_string(n);
  return u;
}

void expect_same(const core::MemberUpdate& a, const core::MemberUpdate& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.addr, b.addr);
  EXPECT_EQ(a.boot, b.boot);
  EXPECT_EQ(a.incarnation, b.incarnation);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.meta, b.meta);
  EXPECT_EQ(a.age_ms, b.age_ms);
  EXPECT_EQ(a.from, b.from);
  EXPECT_EQ(a.gone, b.gone);
}

core::Envelope envelope(core::Body body) {
  core::Envelope e;
  e.header.self = update("node-a", 3);
  e.header.self.status = core::MemberStatus::alive;
  e.header.self.meta.priority = 42;
  e.header.self.age_ms = -1;
  e.header.runtime_ms = -123456789;
  e.header.term = 0xFFFF'FFFF'FFFF'FFFFull;
  e.body = std::move(body);
  e.gossip = {update("node-b", 5), update("node-c", 6)};
  return e;
}

core::Envelope round_trip(const core::Envelope& in) {
  const Bytes bytes = encode(in);
  auto out = decode(bytes);
  if (auto* err = std::get_if<DecodeError>(&out)) {
    ADD_FAILURE() << "decode failed: " << to_string(*err);
    return {};
  }
  const core::Envelope& env = std::get<core::Envelope>(out);
  EXPECT_EQ(env.body.index(), in.body.index());
  expect_same(env.header.self, in.header.self);
  EXPECT_EQ(env.header.runtime_ms, in.header.runtime_ms);
  EXPECT_EQ(env.header.term, in.header.term);
  EXPECT_EQ(env.header.settings, in.header.settings);
  EXPECT_EQ(env.gossip.size(), in.gossip.size());
  for (std::size_t i = 0; i < std::min(env.gossip.size(), in.gossip.size()); ++i) {
    expect_same(env.gossip[i], in.gossip[i]);
  }
  EXPECT_EQ(encode(env), bytes);  // canonical: decoding then encoding gives the same bytes
  return env;
}

std::shared_ptr<const std::vector<core::MemberUpdate>> state_of(std::size_t n) {
  auto v = std::make_shared<std::vector<core::MemberUpdate>>();
  for (std::size_t i = 0; i < n; ++i) v->push_back(update("member-" + std::to_string(i), i));
  return v;
}

// One message of every kind, each field away from its default.
std::vector<core::Body> every_kind() {
  std::vector<core::Body> v = {
      core::Ping{77, "node-b"},
      core::Ack{0x8000'0000'0000'0000ull},
      core::Nack{300},
      core::PingReq{9, "node-c", "10.1.2.3:7946"},
      core::PushPull{state_of(3), true, true, "node-l", 12},
      core::Leave{},
      core::Gossip{},
      core::PreVoteReq{5, 600},
      core::VoteReq{6, true, 1200},
      core::VoteResp{7, true, false, Refusal::promised, -2500, "node-l"},
      core::Heartbeat{8, 99, 4, false, {"node-w1", "node-w2"}, 1000},
      core::HeartbeatResp{8, 99, true},
      core::Resign{9, "node-s", true},
      core::ElectForward{true},
  };
  return v;
}

TEST(Codec, EveryKindIsCovered) {
  const auto all = every_kind();
  ASSERT_EQ(all.size(), std::variant_size_v<core::Body>);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].index(), i);
}

TEST(Codec, KindByteIsTheVariantIndex) {
  const auto all = every_kind();
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(encode(envelope(all[i]))[0], i);
}

TEST(Codec, RoundTripPing) {
  const auto env = round_trip(envelope(core::Ping{77, "node-b"}));
  const auto& m = std::get<core::Ping>(env.body);
  EXPECT_EQ(m.seq, 77u);
  EXPECT_EQ(m.target, "node-b");
}

TEST(Codec, RoundTripAckNack) {
  EXPECT_EQ(std::get<core::Ack>(round_trip(envelope(core::Ack{0x8000'0000'0000'0000ull})).body).seq,
            0x8000'0000'0000'0000ull);
  EXPECT_EQ(std::get<core::Nack>(round_trip(envelope(core::Nack{300})).body).seq, 300u);
}

TEST(Codec, RoundTripPingReq) {
  const auto env = round_trip(envelope(core::PingReq{9, "node-c", "10.1.2.3:7946"}));
  const auto& m = std::get<core::PingReq>(env.body);
  EXPECT_EQ(m.seq, 9u);
  EXPECT_EQ(m.target, "node-c");
  EXPECT_EQ(m.target_addr, "10.1.2.3:7946");
}

TEST(Codec, RoundTripPushPullWithMembersAndGossip) {
  const auto state = state_of(5);
  const auto in = envelope(core::PushPull{state, true, false, "node-l", 12});
  ASSERT_EQ(in.gossip.size(), 2u);
  const auto env = round_trip(in);
  const auto& m = std::get<core::PushPull>(env.body);
  ASSERT_NE(m.state, nullptr);
  ASSERT_EQ(m.state->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) expect_same((*m.state)[i], (*state)[i]);
  EXPECT_TRUE(m.join);
  EXPECT_FALSE(m.want_reply);
  EXPECT_EQ(m.leader, "node-l");
  EXPECT_EQ(m.term, 12u);
  EXPECT_EQ(env.gossip[1].from, "suspector-6");
  EXPECT_EQ(env.gossip[0].status, core::MemberStatus::suspect);  // 5 % 4
  EXPECT_EQ(env.gossip[1].status, core::MemberStatus::dead);     // 6 % 4

  const auto other = round_trip(envelope(core::PushPull{state, false, true, "", 0}));
  EXPECT_FALSE(std::get<core::PushPull>(other.body).join);
  EXPECT_TRUE(std::get<core::PushPull>(other.body).want_reply);
}

TEST(Codec, PushPullNullStateEncodesAsEmptyList) {
  const auto null_state = encode(envelope(core::PushPull{nullptr, true, true, "x", 1}));
  const auto empty_state = encode(envelope(
      core::PushPull{std::make_shared<std::vector<core::MemberUpdate>>(), true, true, "x", 1}));
  EXPECT_EQ(null_state, empty_state);
  const auto env = round_trip(envelope(core::PushPull{nullptr, true, true, "x", 1}));
  const auto& m = std::get<core::PushPull>(env.body);
  ASSERT_NE(m.state, nullptr);
  EXPECT_TRUE(m.state->empty());
}

TEST(Codec, RoundTripEmptyBodies) {
  EXPECT_TRUE(std::holds_alternative<core::Leave>(round_trip(envelope(core::Leave{})).body));
  EXPECT_TRUE(std::holds_alternative<core::Gossip>(round_trip(envelope(core::Gossip{})).body));
}

TEST(Codec, RoundTripElection) {
  const auto pv = std::get<core::PreVoteReq>(round_trip(envelope(core::PreVoteReq{5, 600})).body);
  EXPECT_EQ(pv.term, 5u);
  EXPECT_EQ(pv.campaign_ms, 600u);

  const auto vr = std::get<core::VoteReq>(round_trip(envelope(core::VoteReq{6, true, 1200})).body);
  EXPECT_EQ(vr.term, 6u);
  EXPECT_TRUE(vr.designated);
  EXPECT_EQ(vr.campaign_ms, 1200u);

  const auto resp = std::get<core::VoteResp>(
      round_trip(envelope(core::VoteResp{7, true, true, Refusal::promised, -2500, "node-l"})).body);
  EXPECT_EQ(resp.term, 7u);
  EXPECT_TRUE(resp.pre);
  EXPECT_TRUE(resp.granted);
  EXPECT_EQ(resp.reason, Refusal::promised);
  EXPECT_EQ(resp.promise_left_ms, -2500);
  EXPECT_EQ(resp.leader, "node-l");

  const auto hb =
      std::get<core::Heartbeat>(round_trip(envelope(core::Heartbeat{8, 99, 4, false})).body);
  EXPECT_EQ(hb.term, 8u);
  EXPECT_EQ(hb.seq, 99u);
  EXPECT_EQ(hb.election_round, 4u);
  EXPECT_FALSE(hb.want_ack);
  EXPECT_TRUE(hb.watchers.empty());  // every member is a watcher
  EXPECT_TRUE(std::get<core::Heartbeat>(round_trip(envelope(core::Heartbeat{8, 99, 4, true})).body)
                  .want_ack);
  const auto far = std::get<core::Heartbeat>(
      round_trip(envelope(core::Heartbeat{8, 99, 4, true, {"node-w1", "", "node-w3"}, 1500})).body);
  EXPECT_EQ(far.watchers, (std::vector<std::string>{"node-w1", "", "node-w3"}));
  EXPECT_EQ(far.far_interval_ms, 1500);

  const auto hr =
      std::get<core::HeartbeatResp>(round_trip(envelope(core::HeartbeatResp{8, 99, true})).body);
  EXPECT_EQ(hr.term, 8u);
  EXPECT_EQ(hr.seq, 99u);
  EXPECT_TRUE(hr.ok);

  const auto rs =
      std::get<core::Resign>(round_trip(envelope(core::Resign{9, "node-s", true})).body);
  EXPECT_EQ(rs.term, 9u);
  EXPECT_EQ(rs.successor, "node-s");
  EXPECT_TRUE(rs.cleared);

  EXPECT_TRUE(
      std::get<core::ElectForward>(round_trip(envelope(core::ElectForward{true})).body).clear);
  EXPECT_FALSE(
      std::get<core::ElectForward>(round_trip(envelope(core::ElectForward{false})).body).clear);
}

TEST(Codec, ExtremeIntegers) {
  core::Envelope e = envelope(core::VoteResp{~0ull, false, false, Refusal::none, INT64_MIN, ""});
  e.header.runtime_ms = INT64_MAX;
  e.header.self.age_ms = INT64_MIN;
  e.header.self.meta.priority = INT64_MAX;
  e.header.self.meta.settings_hash = ~0ull;
  e.header.self.boot = ~0ull;
  e.header.self.incarnation = UINT32_MAX;
  const auto out = round_trip(e);
  EXPECT_EQ(std::get<core::VoteResp>(out.body).promise_left_ms, INT64_MIN);
  EXPECT_EQ(std::get<core::VoteResp>(out.body).term, ~0ull);
  EXPECT_EQ(out.header.self.incarnation, UINT32_MAX);
}

TEST(Codec, EncodeAppends) {
  Bytes out = {0xAA, 0xBB};
  const auto env = envelope(core::Ack{1});
  encode(env, out);
  const auto alone = encode(env);
  ASSERT_EQ(out.size(), alone.size() + 2);
  EXPECT_EQ(Bytes(out.begin() + 2, out.end()), alone);
}

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

DecodeError error_of(const Bytes& b) {
  const auto r = decode(b);
  if (!std::holds_alternative<DecodeError>(r)) {
    ADD_FAILURE() << "decoded unexpectedly";
    return DecodeError::unknown_kind;
  }
  return std::get<DecodeError>(r);
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

// `b` with the `n` bytes at `at` replaced by `with`.
Bytes splice(const Bytes& b, std::size_t at, std::size_t n, const Bytes& with) {
  Bytes out;
  for (std::size_t i = 0; i < at; ++i) out.push_back(b[i]);
  for (auto x : with) out.push_back(x);
  for (std::size_t i = at + n; i < b.size(); ++i) out.push_back(b[i]);
  return out;
}

// A default header is 21 bytes (18 for the member record, runtime, term and the absent settings
// one byte each), so with it the body starts at offset 22.
constexpr std::size_t kBodyAt = 22;
constexpr std::size_t kSettingsAt = 21;
Bytes plain(core::Body body) {
  core::Envelope e;
  e.body = std::move(body);
  Bytes b = encode(e);
  EXPECT_EQ(b[5], 0u);  // status
  EXPECT_EQ(b[7], 1u);  // candidate
  return b;
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

ElectionSettings some_settings() {
  return ElectionSettings{
      "priority", 3, ms(1500), std::chrono::microseconds(100'250), HooksExecution::global, false};
}

TEST(Codec, SettingsRideOnTheHeaderWhenGiven) {
  core::Envelope e = envelope(core::PushPull{state_of(2), true, true, "", 0});
  const std::size_t without = encode(e).size();
  e.header.settings = some_settings();
  EXPECT_EQ(round_trip(e).header.settings, some_settings());
  EXPECT_GT(encode(e).size(), without);
  e.header.settings->quorum_size = -1;  // whatever a member says, it comes across as said
  e.header.settings->hooks_execution = HooksExecution::local;
  e.header.settings->automatic_elections = true;
  EXPECT_EQ(round_trip(e).header.settings, e.header.settings);
  e.header.settings.reset();
  EXPECT_EQ(encode(e).size(), without);
  EXPECT_FALSE(round_trip(e).header.settings);
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
