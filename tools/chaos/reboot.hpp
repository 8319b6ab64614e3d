// What a reboot of the machine does to a node's state file, for restarts that "lose their
// bindings" (schedule.hpp).
//
// Thread safety: none needed; touches only the file it is given.
#pragma once

#include <string>

namespace chaos {

/// Rewrites the state file at `path` as a reboot leaves it: the boot id no longer matches, so the
/// saved instants mean nothing to the next process. False when there is no file yet (the process
/// never saved: a first start).
bool forget_bindings(const std::string& path);

}  // namespace chaos
