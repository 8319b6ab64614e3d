// Writes the binary seed inputs of the codec and auth fuzz targets: one valid encoded Envelope of
// every message kind, and packets sealed under the auth target's fixed test secret, framed as
// that target reads them. Run by fuzz/make-seeds.sh; the output is committed under fuzz/corpus/.
//
// Usage: elector-fuzz-seeds CORPUS_DIR  (writes CORPUS_DIR/codec/* and CORPUS_DIR/auth/*)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "wire/auth.hpp"
#include "wire/codec.hpp"

namespace {

using namespace elector;
using namespace elector::core;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kNow = 1'700'000'000'000;

MemberUpdate member(const std::string& name, MemberStatus status) {
  MemberUpdate u;
  u.name = name;
  u.addr = "127.0.0.1:7001";
  u.boot = 1'700'000'000'123;
  u.incarnation = 3;
  u.status = status;
  u.meta.priority = 2;
  u.meta.settings_hash = 0x0123456789abcdefULL;
  u.meta.control = "127.0.0.1:17001";
  u.age_ms = 1500;
  u.from = "box2";
  return u;
}

Envelope envelope(Body body, bool with_gossip) {
  Envelope env;
  env.header.self = member("box1", MemberStatus::alive);
  env.header.runtime_ms = 42000;
  env.header.term = 7;
  env.body = std::move(body);
  if (with_gossip) {
    env.gossip = {member("box3", MemberStatus::suspect), member("box4", MemberStatus::left)};
  }
  return env;
}

void write(const std::filesystem::path& file, const Bytes& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", file.c_str());
    std::exit(1);
  }
}

/// One record of the auth target's input: control | length:u16le | bytes.
void add_record(Bytes& out, std::uint8_t control, const Bytes& packet) {
  out.push_back(control);
  out.push_back(static_cast<std::uint8_t>(packet.size()));
  out.push_back(static_cast<std::uint8_t>(packet.size() >> 8));
  out.insert(out.end(), packet.begin(), packet.end());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root(argv[1]);
  std::filesystem::create_directories(root / "codec");
  std::filesystem::create_directories(root / "auth");

  // ---- codec: every kind, with and without piggybacked gossip ----
  auto state = std::make_shared<const std::vector<MemberUpdate>>(std::vector<MemberUpdate>{
      member("box1", MemberStatus::alive), member("box2", MemberStatus::dead)});
  const std::vector<Body> bodies = {
      Ping{5, "box2"},
      Ack{5},
      Nack{6},
      PingReq{7, "box3", "127.0.0.1:7003"},
      PushPull{state, true, true, "box1", 7},
      Leave{},
      Gossip{},
      PreVoteReq{8},
      VoteReq{8, true},
      VoteResp{8, false, true, "", 3000, "box1"},
      Heartbeat{7, 100, 2, true},
      HeartbeatResp{7, 100, true},
      Resign{7, "box2", false},
      ElectForward{true},
  };
  for (const auto& body : bodies) {
    const std::string kind = body_name(body);
    write(root / "codec" / kind, wire::encode(envelope(body, false)));
    write(root / "codec" / (kind + "-gossip"), wire::encode(envelope(body, true)));
  }

  // ---- auth: packets under the target's fixed secret (auth_fuzz.cpp's kSecret) ----
  auto tx = wire::Authenticator::with_secret("fuzz secret", 60000);
  auto plain = wire::Authenticator::insecure(60000);
  const wire::Identity alice{"alice", 7};
  const Bytes payload = wire::encode(envelope(Heartbeat{7, 1, 0, true}, false));
  // Fresh sealed packets: message, hello and goodbye, then the message replayed.
  {
    Bytes in;
    const Bytes msg = tx.seal(wire::PacketType::message, alice, payload, kNow);
    add_record(in, 0x02, msg);
    add_record(in, 0x02, tx.seal(wire::PacketType::hello, alice, {}, kNow));
    add_record(in, 0x02, tx.seal(wire::PacketType::goodbye, alice, {}, kNow));
    add_record(in, 0x02, msg);
    write(root / "auth" / "sealed-sequence", in);
  }
  // Unsealed packets for the target to seal (control 0x01), with sequence gaps, a restart (a
  // higher boot) and an old boot after it, and a clock jump past the window.
  {
    Bytes in;
    for (int i = 0; i < 3; ++i) {
      add_record(in, 0x03, plain.seal(wire::PacketType::message, alice, payload, kNow));
    }
    add_record(in, 0x03, plain.seal(wire::PacketType::message, {"alice", 8}, payload, kNow));
    add_record(in, 0x03, plain.seal(wire::PacketType::message, alice, payload, kNow));
    add_record(in, 0x03 | (20 << 3), plain.seal(wire::PacketType::message, alice, payload, kNow));
    add_record(in, 0x07, plain.seal(wire::PacketType::message, {"bob", 1}, {}, kNow));
    write(root / "auth" / "to-seal-sequence", in);
  }
  // An insecure packet, and a refusal notice (never authenticated).
  {
    Bytes in;
    add_record(in, 0x02, plain.seal(wire::PacketType::message, alice, payload, kNow));
    add_record(in, 0x02, wire::Authenticator::refusal("wrong cluster secret"));
    write(root / "auth" / "insecure-and-refusal", in);
  }
  return 0;
}
