#include "net/stats.hpp"

#include <string>
#include <utility>

namespace elector::net {

namespace {

template <std::size_t... I>
std::array<const char*, sizeof...(I)> kind_names(std::index_sequence<I...>) {
  return {core::body_name(core::Body(std::in_place_index<I>))...};
}

}  // namespace

const char* to_string(Drop d) {
  switch (d) {
    case Drop::truncated:
      return "truncated";
    case Drop::malformed:
      return "malformed";
    case Drop::oversized:
      return "oversized";
    case Drop::unauthenticated:
      return "unauthenticated";
    case Drop::replayed:
      return "replayed";
    case Drop::stale:
      return "stale";
    case Drop::unknown_kind:
      return "unknown_kind";
    case Drop::send_queue_full:
      return "send_queue_full";
    case Drop::unreachable:
      return "unreachable";
    case Drop::count_:
      break;
  }
  return "unknown";
}

const char* to_string(Refusal r) {
  switch (r) {
    case Refusal::first_frame_oversized:
      return "first_frame_oversized";
    case Refusal::first_frame_refused:
      return "first_frame_refused";
    case Refusal::auth_timeout:
      return "auth_timeout";
    case Refusal::unauthenticated_limit:
      return "unauthenticated_limit";
    case Refusal::connection_limit:
      return "connection_limit";
    case Refusal::count_:
      break;
  }
  return "unknown";
}

TransportStats Stats::snapshot() const {
  TransportStats s;
  s.messages_in = messages_in_.load(std::memory_order_relaxed);
  s.messages_out = messages_out_.load(std::memory_order_relaxed);
  s.bytes_in = bytes_in_.load(std::memory_order_relaxed);
  s.bytes_out = bytes_out_.load(std::memory_order_relaxed);
  static const auto names = kind_names(std::make_index_sequence<kKinds>());
  for (std::size_t i = 0; i < kKinds; ++i) {
    if (const auto v = in_kind_[i].load(std::memory_order_relaxed)) s.in_by_kind[names[i]] = v;
    if (const auto v = out_kind_[i].load(std::memory_order_relaxed)) s.out_by_kind[names[i]] = v;
  }
  for (std::size_t i = 0; i < dropped_.size(); ++i) {
    const auto v = dropped_[i].load(std::memory_order_relaxed);
    if (v != 0) s.dropped[to_string(static_cast<Drop>(i))] = v;
  }
  for (std::size_t i = 0; i < refused_.size(); ++i) {
    const auto v = refused_[i].load(std::memory_order_relaxed);
    if (v != 0) s.dropped[std::string(kRefusalPrefix) + to_string(static_cast<Refusal>(i))] = v;
  }
  return s;
}

}  // namespace elector::net
