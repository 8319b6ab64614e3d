// Node::Impl and the state file: what it says of the node's past at the start, and the saves the
// core asks for (state_file.hpp has the format).
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "core/timing.hpp"
#include "node/node_impl.hpp"
#include "node/state_file.hpp"

namespace elector {

/// What the state file says of this node's past (a lost one without a state file: a library
/// user who keeps none may have run before, and its promises may still bind it). Sets boot_.
core::Past Node::Impl::load_past() {
  core::Past past{core::Recall::lost, core::DurableState{}};
  std::uint64_t kept_boot = 0;
  const auto quiet = core::Timing(cfg_.heartbeat_interval).quiet_after_loss();
  const std::string quiet_text = "it keeps quiet (no votes, no leading) for " +
                                 std::to_string(to_ms(quiet)) + " ms after its start";
  if (cfg_.state_file.empty()) {
    cb_.log(LogLevel::info, cfg_.name + ": no state file: " + quiet_text);
  } else {
    std::string err;
    auto loaded = load_state(cfg_.state_file, machine_boot_id(), err);
    if (!loaded) throw std::runtime_error(err);
    past = loaded->past;
    kept_boot = loaded->boot;
    if (!loaded->corrupt.empty()) {
      cb_.log(LogLevel::error, cfg_.name + ": " + loaded->corrupt +
                                   ": its promises to other members are unknown, so " + quiet_text +
                                   "; the file is replaced at the next save");
    } else if (past.recall == core::Recall::lost) {
      cb_.log(LogLevel::warn,
              cfg_.name + ": the state file " + cfg_.state_file +
                  " was saved before the machine last booted (or holds no bindings): keeping "
                  "term " +
                  std::to_string(past.state.term) + ", and " + quiet_text);
    }
  }
  // A restart must present a higher boot than the process it replaces, even if the wall
  // clock stepped back, so the kept boot is a floor.
  boot_ = std::max(wall_ns(), kept_boot + 1);
  return past;
}

/// Saves what the core asked for; false (said loudly, about once a second) if it could not.
bool Node::Impl::save_locked(const Now& now, const core::DurableState& state) {
  // Nothing is kept: the node started as one that lost its state, which is safe.
  if (cfg_.state_file.empty()) return true;
  std::string err;
  if (save_state(cfg_.state_file, state, boot_, machine_boot_id(), err)) {
    if (save_failing_) {
      cb_.log(LogLevel::info, cfg_.name + ": the state file " + cfg_.state_file +
                                  " is saved again; the node votes and may lead again");
    }
    save_failing_ = false;
    return true;
  }
  ++save_failures_;
  // The core asks again every heartbeat interval: one line per second is enough to be seen.
  if (!save_failing_ || now.mono - last_save_error_log_ >= std::chrono::seconds(1)) {
    last_save_error_log_ = now.mono;
    cb_.log(LogLevel::error,
            cfg_.name + ": cannot save the state file " + cfg_.state_file + " (" + err +
                "): until a save succeeds this node neither votes, nor acknowledges a leader, "
                "nor leads (" +
                std::to_string(save_failures_) + " failed saves so far)");
  }
  save_failing_ = true;
  return false;
}

}  // namespace elector
