#include "wire/codec.hpp"

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace elector::wire {

namespace {

// ---- encoding ----

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  // Zigzag keeps small negative numbers (age_ms = -1) as short as small positive ones.
  void zigzag(std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    varint((u << 1) ^ (v < 0 ? ~std::uint64_t{0} : std::uint64_t{0}));
  }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void u64le(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void str(const std::string& s) {
    varint(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }

 private:
  std::vector<std::uint8_t>& out_;
};

/// In a member record's status byte: the process ended (MemberUpdate::gone).
constexpr std::uint8_t kGoneBit = 0x80;

void put(Writer& w, const core::MemberUpdate& u) {
  w.str(u.name);
  w.str(u.addr);
  w.varint(u.boot);
  w.varint(u.incarnation);
  w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(u.status) |
                                 (u.gone && u.status == core::MemberStatus::dead ? kGoneBit : 0)));
  w.zigzag(u.meta.priority);
  w.boolean(u.meta.candidate);
  w.u64le(u.meta.settings_hash);
  w.str(u.meta.control);
  w.zigzag(u.age_ms);
  w.str(u.from);
}

// Present on a few messages only (to a member whose settings differ, joins): one byte elsewhere.
void put(Writer& w, const std::optional<ElectionSettings>& s) {
  w.boolean(s.has_value());
  if (!s) return;
  w.str(s->strategy);
  w.zigzag(s->quorum_size);
  w.zigzag(s->election_delay.count());
  w.zigzag(s->heartbeat_interval.count());
  w.u8(s->hooks_execution == HooksExecution::global ? 1 : 0);
  w.boolean(s->automatic_elections);
}

void put(Writer& w, const core::Ping& m) {
  w.varint(m.seq);
  w.str(m.target);
}
void put(Writer& w, const core::Ack& m) {
  w.varint(m.seq);
}
void put(Writer& w, const core::Nack& m) {
  w.varint(m.seq);
}
void put(Writer& w, const core::PingReq& m) {
  w.varint(m.seq);
  w.str(m.target);
  w.str(m.target_addr);
}
void put(Writer& w, const core::PushPull& m) {
  if (m.state) {
    w.varint(m.state->size());
    for (const auto& u : *m.state) put(w, u);
  } else {
    w.varint(0);  // no state and an empty state mean the same to the receiver
  }
  w.boolean(m.join);
  w.boolean(m.want_reply);
  w.str(m.leader);
  w.varint(m.term);
}
void put(Writer&, const core::Leave&) {}
void put(Writer&, const core::Gossip&) {}
void put(Writer& w, const core::PreVoteReq& m) {
  w.varint(m.term);
  w.varint(m.campaign_ms);
}
void put(Writer& w, const core::VoteReq& m) {
  w.varint(m.term);
  w.boolean(m.designated);
  w.varint(m.campaign_ms);
}
void put(Writer& w, const core::VoteResp& m) {
  w.varint(m.term);
  w.boolean(m.pre);
  w.boolean(m.granted);
  w.varint(static_cast<std::uint64_t>(m.reason));
  w.zigzag(m.promise_left_ms);
  w.str(m.leader);
}
void put(Writer& w, const core::Heartbeat& m) {
  w.varint(m.term);
  w.varint(m.seq);
  w.varint(m.election_round);
  w.boolean(m.want_ack);
  w.varint(m.watchers.size());
  for (const auto& name : m.watchers) w.str(name);
  w.zigzag(m.far_interval_ms);
}
void put(Writer& w, const core::HeartbeatResp& m) {
  w.varint(m.term);
  w.varint(m.seq);
  w.boolean(m.ok);
  w.boolean(m.alive_only);
}
void put(Writer& w, const core::Resign& m) {
  w.varint(m.term);
  w.str(m.successor);
  w.boolean(m.cleared);
}
void put(Writer& w, const core::ElectForward& m) {
  w.boolean(m.clear);
}

// ---- decoding ----

// The fewest bytes one encoded MemberUpdate can take: five empty strings, one-byte varints for
// boot, incarnation, priority and age_ms, status and candidate bytes, and the 8-byte hash. A list
// count is checked against it so that a short input cannot make us reserve a large vector.
constexpr std::size_t kMinMemberUpdateBytes = 5 + 4 + 2 + 8;

// Reads with bounds checks; the first failure sticks and every later read is a no-op, so the
// field-by-field decoders below can read straight through and check once at the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  [[nodiscard]] bool ok() const { return !error_; }
  [[nodiscard]] std::optional<DecodeError> error() const { return error_; }
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }
  void fail(DecodeError e) {
    if (!error_) error_ = e;
  }

  std::uint8_t u8() {
    if (error_) return 0;
    if (remaining() < 1) {
      fail(DecodeError::truncated);
      return 0;
    }
    return in_[pos_++];
  }

  // LEB128, at most 10 bytes. Overflowing u64 and non-minimal encodings (a final zero byte after
  // a continuation) are refused, so every value has exactly one encoding.
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 10; ++i) {
      if (error_) return 0;
      if (remaining() < 1) {
        fail(DecodeError::truncated);
        return 0;
      }
      const std::uint8_t b = in_[pos_++];
      const std::uint64_t bits = b & 0x7Fu;
      if (i == 9 && bits > 1) {  // the 10th byte holds only bit 63
        fail(DecodeError::malformed);
        return 0;
      }
      v |= bits << (7 * i);
      if ((b & 0x80u) == 0) {
        if (i > 0 && b == 0) {
          fail(DecodeError::malformed);
          return 0;
        }
        return v;
      }
    }
    fail(DecodeError::malformed);  // an 11th byte would follow
    return 0;
  }

  std::int64_t zigzag() {
    const std::uint64_t u = varint();
    const std::uint64_t mask = (u & 1u) != 0 ? ~std::uint64_t{0} : std::uint64_t{0};
    return static_cast<std::int64_t>((u >> 1) ^ mask);
  }

  std::uint32_t u32_varint() {
    const std::uint64_t v = varint();
    if (v > 0xFFFFFFFFu) {
      fail(DecodeError::malformed);
      return 0;
    }
    return static_cast<std::uint32_t>(v);
  }

  bool boolean() {
    const std::uint8_t b = u8();
    if (b > 1) fail(DecodeError::malformed);
    return b == 1;
  }

  std::uint64_t u64le() {
    if (error_) return 0;
    if (remaining() < 8) {
      fail(DecodeError::truncated);
      return 0;
    }
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= std::uint64_t{in_[pos_ + i]} << (8 * i);
    pos_ += 8;
    return v;
  }

  std::string str() {
    const std::uint64_t len = varint();
    if (error_) return {};
    if (len > kMaxString) {
      fail(DecodeError::oversized);
      return {};
    }
    if (len > remaining()) {
      fail(DecodeError::truncated);
      return {};
    }
    const auto n = static_cast<std::size_t>(len);
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }

  /// A list count: refused above `max`, or when the rest of the input cannot hold that many
  /// elements of at least `min_bytes` each. Returns 0 on failure.
  std::size_t count(std::size_t max, std::size_t min_bytes) {
    const std::uint64_t n = varint();
    if (error_) return 0;
    if (n > max) {
      fail(DecodeError::oversized);
      return 0;
    }
    if (n > remaining() / min_bytes) {
      fail(DecodeError::truncated);
      return 0;
    }
    return static_cast<std::size_t>(n);
  }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::optional<DecodeError> error_;
};

void get(Reader& r, core::MemberUpdate& u) {
  u.name = r.str();
  u.addr = r.str();
  u.boot = r.varint();
  u.incarnation = r.u32_varint();
  const std::uint8_t byte = r.u8();
  const auto status = static_cast<std::uint8_t>(byte & ~kGoneBit);
  u.gone = (byte & kGoneBit) != 0;
  // One encoding per record: the gone bit only on a dead record.
  if (status > static_cast<std::uint8_t>(core::MemberStatus::left) ||
      (u.gone && status != static_cast<std::uint8_t>(core::MemberStatus::dead))) {
    r.fail(DecodeError::malformed);
  }
  u.status = r.ok() ? static_cast<core::MemberStatus>(status) : core::MemberStatus::alive;
  if (!r.ok()) u.gone = false;
  u.meta.priority = r.zigzag();
  u.meta.candidate = r.boolean();
  u.meta.settings_hash = r.u64le();
  u.meta.control = r.str();
  u.age_ms = r.zigzag();
  u.from = r.str();
}

std::vector<core::MemberUpdate> get_updates(Reader& r, std::size_t max) {
  const std::size_t n = r.count(max, kMinMemberUpdateBytes);
  std::vector<core::MemberUpdate> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) get(r, v.emplace_back());
  return v;
}

void get(Reader& r, std::optional<ElectionSettings>& s) {
  if (!r.boolean()) return;
  ElectionSettings v;
  v.strategy = r.str();
  v.quorum_size = r.zigzag();
  v.election_delay = Duration(r.zigzag());
  v.heartbeat_interval = Duration(r.zigzag());
  const std::uint8_t hooks = r.u8();
  if (hooks > 1) r.fail(DecodeError::malformed);
  v.hooks_execution = hooks == 1 ? HooksExecution::global : HooksExecution::local;
  v.automatic_elections = r.boolean();
  if (r.ok()) s = std::move(v);
}

void get(Reader& r, core::Ping& m) {
  m.seq = r.varint();
  m.target = r.str();
}
void get(Reader& r, core::Ack& m) {
  m.seq = r.varint();
}
void get(Reader& r, core::Nack& m) {
  m.seq = r.varint();
}
void get(Reader& r, core::PingReq& m) {
  m.seq = r.varint();
  m.target = r.str();
  m.target_addr = r.str();
}
void get(Reader& r, core::PushPull& m) {
  m.state = std::make_shared<const std::vector<core::MemberUpdate>>(get_updates(r, kMaxMembers));
  m.join = r.boolean();
  m.want_reply = r.boolean();
  m.leader = r.str();
  m.term = r.varint();
}
void get(Reader&, core::Leave&) {}
void get(Reader&, core::Gossip&) {}
void get(Reader& r, core::PreVoteReq& m) {
  m.term = r.varint();
  m.campaign_ms = r.varint();
}
void get(Reader& r, core::VoteReq& m) {
  m.term = r.varint();
  m.designated = r.boolean();
  m.campaign_ms = r.varint();
}
void get(Reader& r, core::VoteResp& m) {
  m.term = r.varint();
  m.pre = r.boolean();
  m.granted = r.boolean();
  const auto reason = refusal_of_code(r.varint());
  if (!reason) r.fail(DecodeError::malformed);
  m.reason = reason.value_or(Refusal::unknown);
  m.promise_left_ms = r.zigzag();
  m.leader = r.str();
}
void get(Reader& r, core::Heartbeat& m) {
  m.term = r.varint();
  m.seq = r.varint();
  m.election_round = r.varint();
  m.want_ack = r.boolean();
  // Each name takes at least its length byte.
  const std::size_t n = r.count(kMaxMembers, 1);
  m.watchers.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) m.watchers.push_back(r.str());
  m.far_interval_ms = r.zigzag();
}
void get(Reader& r, core::HeartbeatResp& m) {
  m.term = r.varint();
  m.seq = r.varint();
  m.ok = r.boolean();
  m.alive_only = r.boolean();
}
void get(Reader& r, core::Resign& m) {
  m.term = r.varint();
  m.successor = r.str();
  m.cleared = r.boolean();
}
void get(Reader& r, core::ElectForward& m) {
  m.clear = r.boolean();
}

// Builds the alternative with index `kind` (known to be in range) and decodes its fields.
template <std::size_t I = 0>
core::Body get_body(Reader& r, std::size_t kind) {
  if constexpr (I + 1 < std::variant_size_v<core::Body>) {
    if (kind != I) return get_body<I + 1>(r, kind);
  }
  std::variant_alternative_t<I, core::Body> m{};
  get(r, m);
  return core::Body{std::in_place_index<I>, std::move(m)};
}

}  // namespace

const char* to_string(DecodeError e) {
  switch (e) {
    case DecodeError::truncated:
      return "truncated";
    case DecodeError::malformed:
      return "malformed";
    case DecodeError::oversized:
      return "oversized";
    case DecodeError::unknown_kind:
      return "unknown_kind";
  }
  return "unknown";
}

void encode(const core::Envelope& env, std::vector<std::uint8_t>& out) {
  static_assert(std::variant_size_v<core::Body> <= 256, "the kind is one byte");
  Writer w(out);
  w.u8(static_cast<std::uint8_t>(env.body.index()));
  put(w, env.header.self);
  w.zigzag(env.header.runtime_ms);
  w.varint(env.header.term);
  put(w, env.header.settings);
  std::visit([&w](const auto& m) { put(w, m); }, env.body);
  w.varint(env.gossip.size());
  for (const auto& u : env.gossip) put(w, u);
}

std::vector<std::uint8_t> encode(const core::Envelope& env) {
  std::vector<std::uint8_t> out;
  encode(env, out);
  return out;
}

std::variant<core::Envelope, DecodeError> decode(std::span<const std::uint8_t> in) {
  if (in.size() > kMaxPayload) return DecodeError::oversized;
  Reader r(in);
  const std::uint8_t kind = r.u8();
  if (!r.ok()) return *r.error();
  if (kind >= std::variant_size_v<core::Body>) return DecodeError::unknown_kind;

  core::Envelope env;
  get(r, env.header.self);
  env.header.runtime_ms = r.zigzag();
  env.header.term = r.varint();
  get(r, env.header.settings);
  if (!r.ok()) return *r.error();
  env.body = get_body(r, kind);
  env.gossip = get_updates(r, kMaxGossip);
  if (!r.ok()) return *r.error();
  if (r.remaining() != 0) return DecodeError::malformed;
  return env;
}

}  // namespace elector::wire
