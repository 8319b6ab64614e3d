#include "ctl/probe.hpp"

#include "ctl/client.hpp"
#include "ctl/parallel.hpp"

namespace elector::ctl {

std::vector<Probe> probe_all(const std::vector<ProbeTarget>& targets,
                             std::chrono::milliseconds timeout, std::size_t max_threads) {
  std::vector<Probe> probes(targets.size());
  // Each call writes only its own element, so the vector needs no lock.
  parallel_for(targets.size(), max_threads, [&](std::size_t i) {
    const auto& target = targets[i];
    Probe& probe = probes[i];
    probe.name = target.name;
    probe.priority = target.priority;
    if (!target.control) {
      probe.state = target.if_not_asked;
      return;
    }
    try {
      probe.status = NodeClient(*target.control, timeout).status();
      probe.state = ProbeState::answered;
    } catch (const NodeError& e) {
      probe.state = e.kind() == NodeError::Kind::unreachable ? target.if_silent : ProbeState::error;
      probe.detail = e.what();
    } catch (const std::exception& e) {
      probe.state = ProbeState::error;
      probe.detail = e.what();
    }
  });
  return probes;
}

}  // namespace elector::ctl
