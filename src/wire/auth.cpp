#include "wire/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace elector::wire {

namespace {

constexpr std::uint8_t kMagic[4] = {'E', 'L', 'C', '1'};
// The type byte's high bit says whether a MAC ends the packet: the receiver cannot tell from the
// other bytes, and a secure receiver must be able to refuse a MAC-less packet outright.
constexpr std::uint8_t kHasMac = 0x80;
constexpr std::size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
// magic | type | boot | seq | wall_ms | name_len
constexpr std::size_t kFixedHeader = 4 + 1 + 8 + 8 + 8 + 1;
constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxReason = 512;
// Domain separation for the key: the cluster secret is hashed under this context, so the MAC key
// is a uniform 32 bytes whatever the secret's length, and the same secret reused elsewhere (or in
// a later version of this format, with a new context) never yields the same key.
constexpr char kKeyContext[] = "elector cluster key v1";

static_assert(kMacBytes == 32);
static_assert(crypto_auth_hmacsha256_KEYBYTES == 32);
static_assert(sizeof(kKeyContext) - 1 >= crypto_generichash_KEYBYTES_MIN);

void init_sodium() {
  // sodium_init() is thread-safe and idempotent; the static only saves repeated calls.
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

void put_u64le(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_u64le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}
std::uint32_t get_u32le(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

std::vector<std::uint8_t> build(std::uint8_t type_byte, const Identity& who, std::uint64_t seq,
                                std::uint64_t wall_ms, std::span<const std::uint8_t> payload,
                                std::size_t extra) {
  if (who.name.size() > kMaxName) throw std::length_error("packet sender name over 255 bytes");
  if (payload.size() > kMaxPacket) throw std::length_error("packet payload too large");
  std::vector<std::uint8_t> out;
  out.reserve(kFixedHeader + who.name.size() + 4 + payload.size() + extra);
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  out.push_back(type_byte);
  put_u64le(out, who.boot);
  put_u64le(out, seq);
  put_u64le(out, wall_ms);
  out.push_back(static_cast<std::uint8_t>(who.name.size()));
  out.insert(out.end(), who.name.begin(), who.name.end());
  put_u32le(out, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::uint64_t distance(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : b - a;
}

}  // namespace

const char* to_string(OpenError e) {
  switch (e) {
    case OpenError::truncated:
      return "truncated";
    case OpenError::malformed:
      return "malformed";
    case OpenError::oversized:
      return "oversized";
    case OpenError::unauthenticated:
      return "unauthenticated";
    case OpenError::replayed:
      return "replayed";
    case OpenError::stale:
      return "stale";
  }
  return "unknown";
}

Authenticator::Authenticator(bool secure, std::int64_t replay_window_ms)
    : secure_(secure), replay_window_ms_(replay_window_ms) {}

struct Authenticator::KeyedMac {
  crypto_auth_hmacsha256_state state;
};

Authenticator Authenticator::with_secret(std::string_view secret, std::int64_t replay_window_ms) {
  if (secret.empty()) throw std::invalid_argument("the cluster secret must not be empty");
  init_sodium();
  Authenticator a(true, replay_window_ms);
  a.key_.resize(crypto_auth_hmacsha256_KEYBYTES);
  // The secret is the message and the context the BLAKE2b key: the raw secret never keys the
  // MAC directly (see kKeyContext).
  const int rc = crypto_generichash(
      a.key_.data(), a.key_.size(), reinterpret_cast<const unsigned char*>(secret.data()),
      secret.size(), reinterpret_cast<const unsigned char*>(kKeyContext), sizeof(kKeyContext) - 1);
  if (rc != 0) throw std::runtime_error("deriving the cluster key failed");
  // The key's inner and outer pads are hashed once here; each packet then costs only the hash
  // of its own bytes (half the work for a small packet).
  auto keyed = std::make_shared<KeyedMac>();
  crypto_auth_hmacsha256_init(&keyed->state, a.key_.data(), a.key_.size());
  a.keyed_ = std::move(keyed);
  return a;
}

Authenticator Authenticator::insecure(std::int64_t replay_window_ms) {
  return Authenticator(false, replay_window_ms);
}

std::vector<std::uint8_t> Authenticator::seal(PacketType type, const Identity& self,
                                              std::span<const std::uint8_t> payload,
                                              std::uint64_t wall_ms) {
  if (self.name.empty()) throw std::invalid_argument("a packet sender needs a name");
  const auto type_byte = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) |
                                                   (secure_ ? kHasMac : std::uint8_t{0}));
  auto out = build(type_byte, self, next_seq_++, wall_ms, payload, secure_ ? kMacBytes : 0);
  if (secure_) {
    const std::size_t n = out.size();
    out.resize(n + kMacBytes);
    mac(out.data(), n, out.data() + n);
  }
  return out;
}

void Authenticator::mac(const std::uint8_t* data, std::size_t n, std::uint8_t* out) const {
  crypto_auth_hmacsha256_state st = keyed_->state;
  crypto_auth_hmacsha256_update(&st, data, n);
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
}

std::vector<std::uint8_t> Authenticator::refusal(std::string_view reason) {
  reason = reason.substr(0, kMaxReason);
  const auto* p = reinterpret_cast<const std::uint8_t*>(reason.data());
  return build(static_cast<std::uint8_t>(PacketType::refused), Identity{}, 0, 0,
               std::span<const std::uint8_t>(p, reason.size()), 0);
}

std::variant<Opened, OpenError> Authenticator::open(std::span<const std::uint8_t> packet,
                                                    std::uint64_t wall_ms) {
  // ---- parse, bounds first ----
  if (packet.size() > kMaxPacket) return OpenError::oversized;
  if (packet.size() < sizeof(kMagic)) return OpenError::truncated;
  if (!std::equal(std::begin(kMagic), std::end(kMagic), packet.begin())) {
    return OpenError::malformed;
  }
  if (packet.size() < kFixedHeader) return OpenError::truncated;
  const std::uint8_t type_byte = packet[4];
  const bool has_mac = (type_byte & kHasMac) != 0;
  const std::uint8_t type_bits = type_byte & static_cast<std::uint8_t>(~kHasMac);
  if (type_bits > static_cast<std::uint8_t>(PacketType::refused)) return OpenError::malformed;
  const auto type = static_cast<PacketType>(type_bits);
  const std::uint64_t boot = get_u64le(packet.data() + 5);
  const std::uint64_t seq = get_u64le(packet.data() + 13);
  const std::uint64_t sent_ms = get_u64le(packet.data() + 21);
  const std::size_t name_len = packet[29];

  std::size_t pos = kFixedHeader;
  if (packet.size() - pos < name_len + 4) return OpenError::truncated;
  const std::string_view name(reinterpret_cast<const char*>(packet.data() + pos), name_len);
  pos += name_len;
  const std::size_t payload_len = get_u32le(packet.data() + pos);
  pos += 4;
  const std::size_t mac_len = has_mac ? kMacBytes : 0;
  const std::size_t left = packet.size() - pos;
  if (payload_len > kMaxPacket) return OpenError::oversized;
  if (left < payload_len + mac_len) return OpenError::truncated;
  if (left > payload_len + mac_len) return OpenError::malformed;  // trailing bytes
  const auto payload = packet.subspan(pos, payload_len);

  // ---- refusals: never authenticated, change no state ----
  if (type == PacketType::refused) {
    if (has_mac || !name.empty() || boot != 0 || seq != 0) return OpenError::malformed;
    if (payload_len > kMaxReason) return OpenError::oversized;
    return Opened{PacketType::refused, Identity{}, payload};
  }
  if (name.empty()) return OpenError::malformed;

  // ---- authenticity ----
  if (secure_) {
    if (!has_mac) return OpenError::unauthenticated;
    const std::size_t signed_len = packet.size() - kMacBytes;
    std::array<std::uint8_t, kMacBytes> expected{};
    mac(packet.data(), signed_len, expected.data());
    if (sodium_memcmp(expected.data(), packet.data() + signed_len, kMacBytes) != 0) {
      return OpenError::unauthenticated;
    }
  }
  // Insecure mode ignores a MAC if one is present: it has no key to check it with.

  // ---- freshness and replay ----
  const std::uint64_t window_ms =
      replay_window_ms_ > 0 ? static_cast<std::uint64_t>(replay_window_ms_) : 0;
  if (distance(wall_ms, sent_ms) > window_ms) return OpenError::stale;

  constexpr std::size_t kWords = kReplayWindow / 64;
  static_assert(kReplayWindow % 64 == 0);
  const auto word = [](std::uint64_t s) {
    return static_cast<std::size_t>((s % kReplayWindow) / 64);
  };
  const auto bit = [](std::uint64_t s) { return std::uint64_t{1} << (s % 64); };

  const std::string key(name);
  auto it = windows_.find(key);
  if (it != windows_.end()) {
    Window& w = it->second;
    if (boot < w.boot) return OpenError::replayed;
    if (boot == w.boot && seq <= w.highest) {
      if (w.highest - seq >= kReplayWindow) return OpenError::replayed;
      if ((w.bits[word(seq)] & bit(seq)) != 0) return OpenError::replayed;
    }
  }

  // Accepted: record it. Only now, after the MAC, may the window change.
  if (it == windows_.end()) {
    it = windows_.emplace(key, Window{}).first;
    it->second.bits.assign(kWords, 0);
    it->second.boot = boot;
    it->second.highest = seq;
  }
  Window& w = it->second;
  if (boot > w.boot) {  // the sender restarted: its sequence numbers start over
    w.boot = boot;
    w.highest = seq;
    std::fill(w.bits.begin(), w.bits.end(), 0);
  } else if (seq > w.highest) {
    // Slide the window forward, forgetting the sequence numbers that now fall out of it.
    if (seq - w.highest >= kReplayWindow) {
      std::fill(w.bits.begin(), w.bits.end(), 0);
    } else {
      for (std::uint64_t s = w.highest + 1; s < seq; ++s) w.bits[word(s)] &= ~bit(s);
    }
    w.highest = seq;
  }
  w.bits[word(seq)] |= bit(seq);
  w.last_wall_ms = std::max(w.last_wall_ms, wall_ms);

  return Opened{type, Identity{std::string(name), boot}, payload};
}

void Authenticator::forget_idle(std::uint64_t wall_ms, std::uint64_t idle_ms) {
  // A forgotten window would accept a replay of any packet that is not yet stale, and a packet
  // accepted at time T stays fresh until at most T + 2 * replay_window. Never forget sooner.
  const std::uint64_t window_ms =
      replay_window_ms_ > 0 ? static_cast<std::uint64_t>(replay_window_ms_) : 0;
  constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t min_idle = window_ms > kNever / 2 ? kNever : 2 * window_ms;
  idle_ms = std::max(idle_ms, min_idle);
  std::erase_if(windows_, [&](const auto& kv) {
    return wall_ms > kv.second.last_wall_ms && wall_ms - kv.second.last_wall_ms > idle_ms;
  });
}

}  // namespace elector::wire
