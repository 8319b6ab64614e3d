// Every message kind survives encode then decode with each field intact, the encoding is
// canonical, and the election settings ride on the header only when given.

#include "codec_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace elector::wire {
namespace {

using namespace testing;

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

}  // namespace
}  // namespace elector::wire
