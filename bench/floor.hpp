// elector-bench-floor's commands and the helpers they share (bench/floor*.cpp; floor.cpp says
// what each command does and holds main()).
//
// Each cmd_* takes the arguments after the command's name, prints its result on stdout and
// returns the process's exit code. The program is single-threaded: nothing here is meant to be
// called from two threads. die() and usage() end the process (exit 1 and 2), so bad input never
// returns to the caller.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace elector::bench_floor {

/// `id` (a clock_gettime clock) in ns.
std::int64_t clock_ns(clockid_t id);
/// CLOCK_MONOTONIC in ns: the clock of every instant the commands print.
std::int64_t mono_ns();

/// Prints `what` and errno's text on stderr, then exits 1.
[[noreturn]] void die(const std::string& what);
/// Prints `what` on stderr, then exits 2.
[[noreturn]] void usage(const std::string& what);
/// `s` as a whole integer; a bad value is bad usage (named by `what`).
std::int64_t to_int(const std::string& s, const char* what);

/// rtt [--count N] [--size B] (floor_rtt.cpp).
int cmd_rtt(const std::vector<std::string>& args);
/// kill SIGNAL PID (floor_process.cpp).
int cmd_kill(const std::vector<std::string>& args);
/// kill-watch [--timeout-ms MS] SIGNAL PID WATCHED_PID (floor_process.cpp).
int cmd_kill_watch(const std::vector<std::string>& args);
/// starttime PID... (floor_process.cpp).
int cmd_starttime(const std::vector<std::string>& args);
/// run JSONFILE CMD [ARG...] (floor_process.cpp).
int cmd_run(const std::vector<std::string>& args);
/// agree --since NS [options] LOG... (floor_agree.cpp).
int cmd_agree(const std::vector<std::string>& args);

}  // namespace elector::bench_floor
