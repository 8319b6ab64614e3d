// What a node keeps on disk across restarts: the highest term it has seen (so that terms never
// go back even when every node restarts) and its last boot number (so that a restart's boot is
// always higher, whatever the wall clock did).
//
// Format: text lines `key=value`; unknown keys are ignored. Written to a temporary file and
// renamed, so a crash mid-write leaves the previous state.
//
// Thread safety: free functions; callers serialise writes to one path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace elector {

struct PersistentState {
  std::uint64_t term = 0;
  std::uint64_t boot = 0;
};

/// Reads `path`; an absent file is an empty state. nullopt (with `error` set) if unreadable.
std::optional<PersistentState> load_state(const std::string& path, std::string& error);
/// Replaces `path` atomically. False (with `error` set) on failure.
bool save_state(const std::string& path, const PersistentState& s, std::string& error);

}  // namespace elector
