// Asking many nodes for their status at once (for `status` and `cluster status`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ctl/endpoint.hpp"
#include "ctl/status_table.hpp"

namespace elector::ctl {

struct ProbeTarget {
  std::string name;
  std::optional<std::int64_t> priority;
  std::optional<Endpoint> control;               // nullopt: do not ask
  ProbeState if_not_asked = ProbeState::no_api;  // the state when control is nullopt
  ProbeState if_silent = ProbeState::dead;       // the state when it does not answer
};

/// GET /v1/status from every target concurrently (up to `max_threads` requests in flight), each
/// bounded by `timeout`. Results keep the order of `targets`.
std::vector<Probe> probe_all(const std::vector<ProbeTarget>& targets,
                             std::chrono::milliseconds timeout, std::size_t max_threads = 128);

}  // namespace elector::ctl
