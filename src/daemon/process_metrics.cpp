#include "daemon/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace elector::daemon {

namespace {

std::optional<std::uint64_t> boot_time_s() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      std::uint64_t v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::uint64_t open_fds() {
  std::error_code ec;
  std::uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  // The directory iterator's own descriptor is one of them.
  return n > 0 ? n - 1 : 0;
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long ticks_per_s,
                                            long page_bytes, std::uint64_t boot_time_s) {
  // The command (field 2) may hold spaces and parentheses: the fields start after its last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_s <= 0) return std::nullopt;
  std::istringstream in{std::string(stat.substr(close + 1))};
  const std::vector<std::string> f{std::istream_iterator<std::string>(in),
                                   std::istream_iterator<std::string>()};
  // f[0] is field 3 (state): field N is f[N - 3].
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStart = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (f.size() <= kRss) return std::nullopt;
  try {
    const double ticks = static_cast<double>(ticks_per_s);
    ProcessStats s;
    s.cpu_seconds = static_cast<double>(std::stoull(f[kUtime]) + std::stoull(f[kStime])) / ticks;
    s.start_time_seconds =
        static_cast<double>(boot_time_s) + static_cast<double>(std::stoull(f[kStart])) / ticks;
    s.virtual_memory_bytes = std::stoull(f[kVsize]);
    s.resident_memory_bytes = std::stoull(f[kRss]) * static_cast<std::uint64_t>(page_bytes);
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<ProcessStats> read_process_stats() {
  std::ifstream in("/proc/self/stat");
  const std::string stat{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto boot = boot_time_s();
  if (!boot) return std::nullopt;
  auto s = parse_proc_stat(stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE), *boot);
  if (!s) return std::nullopt;
  s->open_fds = open_fds();
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) s->max_fds = lim.rlim_cur;
  return s;
}

}  // namespace elector::daemon
