// Fuzzes the packet authenticator: open() on arbitrary packets, in sequence, so that the replay
// windows and the staleness check are exercised, on a secure and an insecure receiver.
//
// Input: records of  control:u8 | length:u16le | bytes[length]  (a short last record takes what
// is left). Control bits:
//   0x01  seal: set the packet's MAC bit and append the right MAC (under kSecret), so that the
//         secure receiver gets past authentication and the fuzzer reaches its replay checks;
//   0x02  the receivers' clock jumps to the packet's own wall_ms plus (control >> 3) * 4 s, so
//         that packets are fresh (or just stale) whatever their wall_ms;
//   0x04  forget idle senders after this packet.
// Checks besides "never crashes": a packet that opened does not open a second time (replayed),
// except a `refused` notice, which changes no state; an opened payload lies inside the packet;
// seal() then open() gives the payload back.
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/auth.hpp"

namespace {

using elector::wire::Authenticator;
using elector::wire::Opened;
using elector::wire::OpenError;
using elector::wire::PacketType;
using Bytes = std::vector<std::uint8_t>;

// The fixed test secret; fuzz/make_seeds.cpp seals the seed packets under it.
constexpr std::string_view kSecret = "fuzz secret";
constexpr std::int64_t kWindowMs = 60000;
constexpr std::uint64_t kStart = 1'700'000'000'000;
constexpr std::size_t kWallOffset = 21;  // magic 4, type 1, boot 8, seq 8

/// The MAC key, derived as auth.cpp does (BLAKE2b of the secret under its fixed context).
std::array<std::uint8_t, 32> derive_key() {
  constexpr std::string_view kContext = "elector cluster key v1";
  std::array<std::uint8_t, 32> key{};
  if (sodium_init() < 0) std::abort();
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(kSecret.data()),
                     kSecret.size(), reinterpret_cast<const unsigned char*>(kContext.data()),
                     kContext.size());
  return key;
}

/// Appends the MAC of everything before it, after setting the type byte's MAC bit.
void append_mac(Bytes& p) {
  static const auto key = derive_key();
  if (p.size() > 4) p[4] |= 0x80;
  std::array<std::uint8_t, 32> mac{};
  crypto_auth_hmacsha256(mac.data(), p.data(), p.size(), key.data());
  p.insert(p.end(), mac.begin(), mac.end());
}

/// Stops the run if append_mac() no longer matches the authenticator (a new key derivation would
/// otherwise leave the secure receiver's accept paths silently unreached).
bool check_harness() {
  auto tx = Authenticator::with_secret(kSecret, kWindowMs);
  auto packet = tx.seal(PacketType::message, {"probe", 1}, {}, kStart);
  Bytes unsealed(packet.begin(), packet.end() - 32);
  append_mac(unsealed);
  if (unsealed != packet) std::abort();
  return true;
}

void open_twice(Authenticator& rx, const Bytes& p, std::uint64_t now) {
  const auto first = rx.open(p, now);
  const auto* o = std::get_if<Opened>(&first);
  if (o == nullptr) return;
  if (!o->payload.empty() && (o->payload.data() < p.data() ||
                              o->payload.data() + o->payload.size() > p.data() + p.size())) {
    std::abort();
  }
  const auto second = rx.open(p, now);
  const bool replayed = std::holds_alternative<OpenError>(second) &&
                        std::get<OpenError>(second) == OpenError::replayed;
  if (o->type == PacketType::refused ? !std::holds_alternative<Opened>(second) : !replayed) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = check_harness();
  (void)ready;
  auto secure = Authenticator::with_secret(kSecret, kWindowMs);
  auto insecure = Authenticator::insecure(kWindowMs);
  std::uint64_t now = kStart;

  std::span<const std::uint8_t> in(data, size);
  bool first = true;
  while (in.size() >= 3) {
    const std::uint8_t control = in[0];
    const std::size_t len = std::min<std::size_t>(in[1] | (std::size_t{in[2]} << 8), in.size() - 3);
    Bytes packet(in.begin() + 3, in.begin() + 3 + static_cast<std::ptrdiff_t>(len));
    in = in.subspan(3 + len);

    if ((control & 0x01) != 0) append_mac(packet);
    if ((control & 0x02) != 0 && packet.size() >= kWallOffset + 8) {
      std::uint64_t sent = 0;
      for (unsigned i = 0; i < 8; ++i) sent |= std::uint64_t{packet[kWallOffset + i]} << (8 * i);
      now = sent + static_cast<std::uint64_t>(control >> 3) * 4000;
    }
    open_twice(secure, packet, now);
    open_twice(insecure, packet, now);
    if ((control & 0x04) != 0) {
      secure.forget_idle(now, 0);
      insecure.forget_idle(now, 0);
    }

    if (first) {  // the round trip, once per input: sealing costs an allocation per packet
      first = false;
      auto tx = Authenticator::with_secret(kSecret, kWindowMs);
      const auto sealed = tx.seal(PacketType::message, {"fuzz", 1}, packet, now);
      auto rx = Authenticator::with_secret(kSecret, kWindowMs);
      const auto r = rx.open(sealed, now);
      const auto* o = std::get_if<Opened>(&r);
      if (o == nullptr ||
          !std::equal(o->payload.begin(), o->payload.end(), packet.begin(), packet.end())) {
        std::abort();
      }
    }
  }
  return 0;
}
