// The standard process metrics of Prometheus' client libraries (process_cpu_seconds_total,
// process_resident_memory_bytes, ...), read from /proc/self as they read them.
//
// Thread safety: a pure function of the process's state at the call.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace elector::daemon {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
  std::uint64_t virtual_memory_bytes = 0;
  std::uint64_t resident_memory_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;  // the soft RLIMIT_NOFILE
};

/// This process's figures; nullopt where /proc cannot be read (the page then leaves them out).
std::optional<ProcessStats> read_process_stats();

/// The figures of /proc/PID/stat's text (after the command's closing parenthesis), with the
/// machine's clock ticks per second, page size and boot time (/proc/stat's btime). Exposed for
/// tests.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long ticks_per_s,
                                            long page_bytes, std::uint64_t boot_time_s);

}  // namespace elector::daemon
