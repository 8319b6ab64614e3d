// What one step of the core produces before the envelope headers and gossip are filled in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "elector/events.hpp"

namespace elector::core {

/// A change of one member's state, as the election must hear of it. Membership reports it in the
/// step that made it; the application hears of the same change as MemberUp / MemberDown.
struct MemberChange {
  enum class Kind : std::uint8_t {
    joined,       // up: new, back after being down, or a new process of it
    alive_again,  // a suspicion was refuted: it never went down
    failed,       // declared failed by failure detection: its process may still run
    left,         // it left gracefully
    restarted,    // a new process of it appeared: the old one ended
    gone,         // a transport saw its process end
  };
  Kind kind = Kind::joined;
  std::string name;
};

struct Outbox {
  struct Msg {
    std::string to_name;
    std::string to_addr;
    Body body;
    Route route = Route::stream;
  };
  std::vector<Msg> msgs;
  std::vector<Event> events;
  std::vector<HookRequest> hooks;
  /// The member changes of this step, in the order they happened.
  std::vector<MemberChange> changes;

  void send(std::string to_name, std::string to_addr, Body body) {
    const Route r = default_route(body);
    msgs.push_back(Msg{std::move(to_name), std::move(to_addr), std::move(body), r});
  }
  void send(std::string to_name, std::string to_addr, Body body, Route route) {
    msgs.push_back(Msg{std::move(to_name), std::move(to_addr), std::move(body), route});
  }
};

}  // namespace elector::core
