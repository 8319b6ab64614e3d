// The wire encoding of an Envelope: a compact, versioned binary format with strict bounds.
//
// Decoding never trusts the input: every length is checked against what is left and against the
// limits below before anything is allocated, so a malformed, truncated or oversized payload is
// reported as such (and counted by the transport), never read past or crashed on.
//
// Layout (all integers are unsigned LEB128 varints unless said otherwise; strings and lists are a
// varint length followed by their contents):
//   payload := kind:u8 header body gossip_count gossip*
//   header  := member_update runtime_ms:zigzag term
//   member_update := name addr boot incarnation status:u8 priority:zigzag candidate:u8
//                    settings_hash:u64le control age_ms:zigzag from
//   body    := the fields of the message struct of `kind`, in declaration order
//   kind    := the index of the message in the Body variant
// Varints must be minimal (no trailing zero groups, at most 10 bytes, no bits beyond 64), bools 0
// or 1, so that every Envelope has exactly one encoding.
// See docs/wire.md for each kind's fields.
//
// Thread safety: pure functions, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/messages.hpp"

namespace elector::wire {

/// Longest string (names, addresses, reasons) accepted.
inline constexpr std::size_t kMaxString = 1024;
/// Most members in one PushPull state, and most gossip updates on one message.
inline constexpr std::size_t kMaxMembers = 100000;
inline constexpr std::size_t kMaxGossip = 256;
/// Largest payload accepted.
inline constexpr std::size_t kMaxPayload = 16u << 20;

enum class DecodeError {
  truncated,     // the input ends inside a field
  malformed,     // a value out of range (unknown status, bad bool, overlong varint, trailing bytes)
  oversized,     // a length beyond the limits above
  unknown_kind,  // a message kind this version does not know
};
const char* to_string(DecodeError e);

/// Appends the encoding of `env` to `out`. Encoding does not check the limits above: an envelope
/// beyond them encodes, and is refused as `oversized` by decode().
void encode(const core::Envelope& env, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const core::Envelope& env);

/// Decodes exactly one Envelope occupying all of `in`.
std::variant<core::Envelope, DecodeError> decode(std::span<const std::uint8_t> in);

}  // namespace elector::wire
