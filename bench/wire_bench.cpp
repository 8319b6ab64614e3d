// Microbenchmarks of the wire layer's hot paths: every message kind's full round trip through a
// packet (encode, seal, open, decode), and sealing and opening alone.
//
// Each iteration must seal a new packet: open() records the sequence number, so the same packet
// opened twice would be refused as replayed and measure only the refusal. One sender and one
// receiver Authenticator live across iterations (as in the transport), with the wall clock moving
// forward, so the replay window does the work it does in production.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/messages.hpp"
#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace elector::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::int64_t kReplayWindowMs = 60000;
constexpr std::uint64_t kWallStart = 1'700'000'000'000;
// Members in the PushPull state: a cluster of the size the product is sized for.
constexpr int kStateMembers = 450;
// The default max_piggyback: a Gossip message carries as many updates as it may.
constexpr int kPiggyback = 16;

// A member record with realistic field sizes (addresses, a control address, a boot stamp in
// nanoseconds, an uptime of about an hour), so that varints and strings have production lengths.
core::MemberUpdate member(int i) {
  core::MemberUpdate u;
  u.name = "box" + std::to_string(i + 1);
  u.addr = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":7946";
  u.boot = 1'700'000'000'000'000'000ULL + static_cast<std::uint64_t>(i) * 7919;
  u.incarnation = static_cast<std::uint32_t>(i % 5);
  u.status = i % 37 == 0 ? core::MemberStatus::suspect : core::MemberStatus::alive;
  u.meta.priority = i + 1;
  u.meta.candidate = i % 10 != 9;
  u.meta.settings_hash = 0x9e3779b97f4a7c15ULL;
  u.meta.control = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":7947";
  u.age_ms = 3'600'000 + i * 113;
  if (u.status == core::MemberStatus::suspect) u.from = "box" + std::to_string((i + 3) % 450 + 1);
  return u;
}

core::Header header() {
  core::Header h;
  h.self = member(16);
  h.runtime_ms = 123'456;
  h.term = 42;
  return h;
}

// One realistic instance of each message kind. An overload per alternative of Body: a new kind
// without one fails to compile below, so the family always covers every kind.
core::Body sample(std::type_identity<core::Ping>) {
  return core::Ping{123'456, "box42"};
}
core::Body sample(std::type_identity<core::Ack>) {
  return core::Ack{123'456};
}
core::Body sample(std::type_identity<core::Nack>) {
  return core::Nack{123'456};
}
core::Body sample(std::type_identity<core::PingReq>) {
  return core::PingReq{123'456, "box42", "10.0.0.42:7946"};
}
core::Body sample(std::type_identity<core::PushPull>) {
  auto state = std::make_shared<std::vector<core::MemberUpdate>>();
  for (int i = 0; i < kStateMembers; ++i) state->push_back(member(i));
  return core::PushPull{std::move(state), false, true, "box1", 42};
}
core::Body sample(std::type_identity<core::Leave>) {
  return core::Leave{};
}
core::Body sample(std::type_identity<core::Gossip>) {
  return core::Gossip{};
}
core::Body sample(std::type_identity<core::PreVoteReq>) {
  return core::PreVoteReq{43};
}
core::Body sample(std::type_identity<core::VoteReq>) {
  return core::VoteReq{43, false};
}
core::Body sample(std::type_identity<core::VoteResp>) {
  return core::VoteResp{43, false, false, Refusal::promised, 312, "box1"};
}
core::Body sample(std::type_identity<core::Heartbeat>) {
  return core::Heartbeat{42, 98'765, 3, true};
}
core::Body sample(std::type_identity<core::HeartbeatResp>) {
  return core::HeartbeatResp{42, 98'765, true};
}
core::Body sample(std::type_identity<core::Resign>) {
  return core::Resign{42, "box2", false};
}
core::Body sample(std::type_identity<core::ElectForward>) {
  return core::ElectForward{false};
}

core::Envelope envelope(core::Body body) {
  core::Envelope env;
  env.header = header();
  // Gossip exists to carry piggybacked updates; the other kinds are measured as sent in a quiet
  // cluster, with none, so that their own cost is not hidden under the updates'.
  if (std::holds_alternative<core::Gossip>(body)) {
    for (int i = 0; i < kPiggyback; ++i) env.gossip.push_back(member(100 + i));
  }
  env.body = std::move(body);
  return env;
}

// encode + seal + open + decode of one envelope, as a message goes from one node's core to
// another's.
void BM_RoundTrip(benchmark::State& state, const core::Envelope& env) {
  auto tx = Authenticator::with_secret("bench secret", kReplayWindowMs);
  auto rx = Authenticator::with_secret("bench secret", kReplayWindowMs);
  const Identity self{env.header.self.name, env.header.self.boot};
  std::uint64_t wall = kWallStart;
  Bytes payload;
  std::size_t packet_size = 0;
  for (auto _ : state) {
    payload.clear();
    encode(env, payload);
    const Bytes packet = tx.seal(PacketType::message, self, payload, ++wall);
    const auto opened = rx.open(packet, wall);
    const auto* o = std::get_if<Opened>(&opened);
    if (o == nullptr) {
      state.SkipWithError(to_string(std::get<OpenError>(opened)));
      break;
    }
    auto decoded = decode(o->payload);
    if (!std::holds_alternative<core::Envelope>(decoded)) {
      state.SkipWithError(to_string(std::get<DecodeError>(decoded)));
      break;
    }
    benchmark::DoNotOptimize(decoded);
    packet_size = packet.size();
  }
  state.counters["bytes"] = static_cast<double>(packet_size);
}

template <std::size_t... I>
void register_round_trips(std::index_sequence<I...>) {
  (benchmark::RegisterBenchmark(
       ("BM_RoundTrip/" + std::string(core::body_name(core::Body(std::in_place_index<I>)))).c_str(),
       BM_RoundTrip,
       envelope(sample(std::type_identity<std::variant_alternative_t<I, core::Body>>{}))),
   ...);
}

// A heartbeat's encoded payload: the most frequent packet of a cluster with a leader.
Bytes heartbeat_payload() {
  return encode(envelope(sample(std::type_identity<core::Heartbeat>{})));
}

void BM_SealHeartbeat(benchmark::State& state) {
  auto tx = Authenticator::with_secret("bench secret", kReplayWindowMs);
  const Identity self{"box17", 1};
  const Bytes payload = heartbeat_payload();
  std::uint64_t wall = kWallStart;
  for (auto _ : state) {
    auto packet = tx.seal(PacketType::message, self, payload, ++wall);
    benchmark::DoNotOptimize(packet.data());
  }
  state.counters["bytes"] =
      static_cast<double>(tx.seal(PacketType::message, self, payload, wall).size());
}

void BM_OpenHeartbeat(benchmark::State& state) {
  auto tx = Authenticator::with_secret("bench secret", kReplayWindowMs);
  auto rx = Authenticator::with_secret("bench secret", kReplayWindowMs);
  const Identity self{"box17", 1};
  const Bytes payload = heartbeat_payload();
  std::uint64_t wall = kWallStart;
  // Packets are sealed in batches outside the timing (each can be opened only once); a batch no
  // larger than the replay window keeps every packet acceptable.
  constexpr std::size_t kBatch = kReplayWindow;
  std::vector<Bytes> batch;
  std::size_t next = kBatch;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      batch.clear();
      for (std::size_t i = 0; i < kBatch; ++i) {
        batch.push_back(tx.seal(PacketType::message, self, payload, wall));
      }
      next = 0;
      state.ResumeTiming();
    }
    auto opened = rx.open(batch[next++], ++wall);
    if (!std::holds_alternative<Opened>(opened)) {
      state.SkipWithError(to_string(std::get<OpenError>(opened)));
      break;
    }
    benchmark::DoNotOptimize(opened);
  }
  state.counters["bytes"] = static_cast<double>(batch.empty() ? 0 : batch.front().size());
}

}  // namespace
}  // namespace elector::wire

int main(int argc, char** argv) {
  elector::wire::register_round_trips(
      std::make_index_sequence<std::variant_size_v<elector::core::Body>>{});
  benchmark::RegisterBenchmark("BM_SealHeartbeat", elector::wire::BM_SealHeartbeat);
  benchmark::RegisterBenchmark("BM_OpenHeartbeat", elector::wire::BM_OpenHeartbeat);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
