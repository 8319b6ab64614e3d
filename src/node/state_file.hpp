// What a node keeps on disk across restarts (core/durable.hpp, docs/design.md §7): the highest
// term it has seen or voted in, until when its promises bind it, the cluster size its default
// quorum is a majority of, and its last boot number (so that a restart's boot is always higher,
// whatever the wall clock did).
//
// Format: text lines `key=value`, each ended by a newline:
//   term=7
//   boot=1718000000000000000
//   bound_until_ns=123456789012      (CLOCK_BOOTTIME nanoseconds, the clock of the node's Time)
//   boot_id=6f0c...                  (/proc/sys/kernel/random/boot_id when it was saved)
//   cluster_size=5
// Unknown keys are ignored (a newer version may add some). `bound_until_ns` is an instant of
// CLOCK_BOOTTIME, which starts again at zero when the machine boots: it means something only in
// the boot that wrote it, hence `boot_id`.
//
// Saving writes a temporary file in the same directory, fsyncs it, renames it over the file and
// fsyncs the directory: after save_state returns true the new state survives a crash of the
// process or of the machine, and at any instant the file holds either the old or the new state.
//
// Thread safety: free functions; callers serialise saves to one path (the node saves under its
// lock). Reading while another process saves sees the old or the new file, never a mix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/durable.hpp"

namespace elector {

/// What load_state found.
struct LoadedState {
  /// first_start: no file; kept: same machine boot; lost: another boot, an old file without
  /// bindings, or corrupt content (then `state` holds what could still be trusted).
  core::Past past;
  /// The boot number last saved (0 if none): the next one must be higher.
  std::uint64_t boot = 0;
  /// Set when the file exists but its content is corrupt: the caller must say so loudly, since
  /// the node then keeps quiet for the longest binding (Timing::quiet_after_loss).
  std::string corrupt;
};

/// The content of /proc/sys/kernel/random/boot_id without its newline (read once per process;
/// it does not change until the machine reboots). Empty if it cannot be read: a state saved or
/// loaded without it is never taken as `kept`.
const std::string& machine_boot_id();

/// Reads the state at `path`, comparing its boot_id with `boot_id` (machine_boot_id() outside of
/// tests). An absent file is a first start; nullopt (with `error` naming the path and the
/// reason) when the file exists but cannot be read (permissions, an I/O error): starting as if
/// nothing had been promised would be unsafe, so the caller must not start.
std::optional<LoadedState> load_state(const std::string& path, const std::string& boot_id,
                                      std::string& error);

/// Replaces `path` durably with `s`, `boot` and `boot_id`. False (with `error` naming the file
/// and strerror) on failure; the previous file is then left as it was.
bool save_state(const std::string& path, const core::DurableState& s, std::uint64_t boot,
                const std::string& boot_id, std::string& error);

}  // namespace elector
