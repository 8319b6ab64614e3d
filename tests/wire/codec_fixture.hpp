// What the codec's tests share (tests/wire/codec_*_test.cpp): members and envelopes with every
// field away from its default, a round trip that checks every field and that the encoding is
// canonical, one message of every kind, and the byte offsets and helpers that tamper with an
// encoding by hand (plain(), splice(), error_of()).
//
// Everything here is a plain function of its arguments, run on the test's own thread; the checks
// inside round_trip(), error_of() and plain() report through gtest (ADD_FAILURE, EXPECT_*).
#pragma once

#include "wire/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace elector::wire::testing {

using Bytes = std::vector<std::uint8_t>;

inline core::MemberUpdate update(const std::string& name, std::uint64_t n) {
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

inline void expect_same(const core::MemberUpdate& a, const core::MemberUpdate& b) {
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

inline core::Envelope envelope(core::Body body) {
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

inline core::Envelope round_trip(const core::Envelope& in) {
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

inline std::shared_ptr<const std::vector<core::MemberUpdate>> state_of(std::size_t n) {
  auto v = std::make_shared<std::vector<core::MemberUpdate>>();
  for (std::size_t i = 0; i < n; ++i) v->push_back(update("member-" + std::to_string(i), i));
  return v;
}

// One message of every kind, each field away from its default.
inline std::vector<core::Body> every_kind() {
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

inline DecodeError error_of(const Bytes& b) {
  const auto r = decode(b);
  if (!std::holds_alternative<DecodeError>(r)) {
    ADD_FAILURE() << "decoded unexpectedly";
    return DecodeError::unknown_kind;
  }
  return std::get<DecodeError>(r);
}

// `b` with the `n` bytes at `at` replaced by `with`.
inline Bytes splice(const Bytes& b, std::size_t at, std::size_t n, const Bytes& with) {
  Bytes out;
  for (std::size_t i = 0; i < at; ++i) out.push_back(b[i]);
  for (auto x : with) out.push_back(x);
  for (std::size_t i = at + n; i < b.size(); ++i) out.push_back(b[i]);
  return out;
}

// A default header is 21 bytes (18 for the member record, runtime, term and the absent settings
// one byte each), so with it the body starts at offset 22.
inline constexpr std::size_t kBodyAt = 22;
inline constexpr std::size_t kSettingsAt = 21;
inline Bytes plain(core::Body body) {
  core::Envelope e;
  e.body = std::move(body);
  Bytes b = encode(e);
  EXPECT_EQ(b[5], 0u);  // status
  EXPECT_EQ(b[7], 1u);  // candidate
  return b;
}

inline ElectionSettings some_settings() {
  return ElectionSettings{
      "priority", 3, ms(1500), std::chrono::microseconds(100'250), HooksExecution::global, false};
}

}  // namespace elector::wire::testing
