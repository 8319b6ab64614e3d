#include "daemon/stream_json.hpp"

#include <chrono>
#include <optional>
#include <variant>

namespace elector::daemon {

namespace {

/// The term in which `e` says this node leads, if it does.
std::optional<std::uint64_t> leading_term(std::string_view node, const elector::Event& e) {
  if (const auto* a = std::get_if<elector::LeadershipAcquired>(&e)) return a->term;
  if (const auto* c = std::get_if<elector::LeaderChanged>(&e); c && c->leader == node) {
    return c->term;
  }
  return std::nullopt;
}

}  // namespace

std::string stream_event_line(elector::Time at, std::string_view node, const elector::Event& e,
                              const ControlBackend& backend) {
  const auto term = leading_term(node, e);
  if (!term) return event_line(at, node, e);
  Json j = event_json(at, node, e);
  // One snapshot: the lease of the term the event is about, or none if it ended since.
  const auto v = backend.leader();
  const bool same = v.is_leader && v.term == *term;
  j["lease_left_ms"] = same ? elector::to_ms(v.lease_left) : 0;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json state_json(const elector::NodeStatus& st) {
  Json j;
  // steady_clock is CLOCK_MONOTONIC on Linux: the clock of the events' t_mono_ns.
  j["t_mono_ns"] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  j["node"] = st.name;
  j["event"] = "state";
  j["leader"] = st.leader ? Json(*st.leader) : Json(nullptr);
  j["term"] = st.term;
  j["role"] = elector::to_string(st.role);
  j["is_leader"] = st.is_leader;
  j["lease_left_ms"] = elector::to_ms(st.lease_left);
  return j;
}

}  // namespace elector::daemon
