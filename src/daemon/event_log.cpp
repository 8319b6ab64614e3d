#include "daemon/event_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace elector::daemon {

std::unique_ptr<EventLog> EventLog::open(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<EventLog>(new EventLog(path, fd));
}

EventLog::EventLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

EventLog::~EventLog() {
  ::close(fd_);
}

bool EventLog::append(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  const std::lock_guard lock(mu_);
  std::size_t done = 0;
  // A regular file takes the whole line in one write; the loop only matters for a short write
  // (disk full, a pipe), where finishing the line beats leaving half of one.
  while (done < buf.size()) {
    const ssize_t n = ::write(fd_, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!failed_) {
        spdlog::error("cannot write to event log {}: {}", path_,
                      n < 0 ? std::strerror(errno) : "no progress");
        failed_ = true;
      }
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace elector::daemon
