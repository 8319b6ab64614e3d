#include "sim/event_line.hpp"

#include <cstdio>
#include <variant>

#include "sim/cluster.hpp"

namespace elector::sim {

std::string sim_time(Time t) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t - Cluster::epoch()).count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lldms", static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  return buf;
}

std::string event_line(const Event& e) {
  std::string s = event_name(e);
  const auto term = [](std::uint64_t t) { return " term=" + std::to_string(t); };
  if (const auto* a = std::get_if<LeaderChanged>(&e)) {
    s += " leader=" + a->leader.value_or("none") + term(a->term);
  } else if (const auto* b = std::get_if<LeadershipAcquired>(&e)) {
    s += term(b->term);
  } else if (const auto* c = std::get_if<LeadershipLost>(&e)) {
    // When it ended, on the node's own clock: a thawed leader reports late the end of a lease
    // that ran out while it was frozen.
    s += term(c->term) + " reason=" + to_string(c->reason) + " ended=" + sim_time(c->effective);
  } else if (const auto* d = std::get_if<ElectionStarted>(&e)) {
    s += std::string(" reason=") + to_string(d->reason) + (d->initiator ? " initiator" : "");
  } else if (const auto* f = std::get_if<ElectionFinished>(&e)) {
    s += " leader=" + f->leader.value_or("none") + term(f->term);
  } else if (const auto* g = std::get_if<MemberDown>(&e)) {
    s += " member=" + g->member + " reason=" + to_string(g->reason);
  } else if (const auto* h = std::get_if<MemberUp>(&e)) {
    s += " member=" + h->member;
  }
  return s;
}

}  // namespace elector::sim
