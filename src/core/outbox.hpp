// What one step of the core produces before the envelope headers and gossip are filled in.
#pragma once

#include <string>
#include <vector>

#include "core/messages.hpp"
#include "elector/events.hpp"

namespace elector {

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
  /// Members whose suspicion was cleared in this step: no event for the application (they never
  /// went down), but back in the election's rankings.
  std::vector<std::string> alive_again;

  void send(std::string to_name, std::string to_addr, Body body) {
    const Route r = default_route(body);
    msgs.push_back(Msg{std::move(to_name), std::move(to_addr), std::move(body), r});
  }
  void send(std::string to_name, std::string to_addr, Body body, Route route) {
    msgs.push_back(Msg{std::move(to_name), std::move(to_addr), std::move(body), route});
  }
};

}  // namespace elector
