#include "fault_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace chaos {

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

FaultLog::FaultLog(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
}

FaultLog::~FaultLog() {
  ::close(fd_);
}

void FaultLog::write(std::int64_t t, const std::string& fault, const nlohmann::json& fields) {
  // nlohmann's object keeps keys sorted; build the line so t_mono_ns and fault come first.
  std::string line =
      "{\"t_mono_ns\":" + std::to_string(t) + ",\"fault\":" + nlohmann::json(fault).dump();
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      line += "," + nlohmann::json(it.key()).dump() + ":" + it.value().dump();
    }
  }
  line += "}\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses the line; the checker reports what is missing
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace chaos
