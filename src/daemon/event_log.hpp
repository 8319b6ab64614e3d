// The event log (--event-log FILE): one JSON object per line, appended.
//
// Each line goes to the file in a single write(2) on a descriptor opened with O_APPEND: nothing
// lingers in a user-space buffer (a killed daemon loses no line it reported) and lines of several
// writers to one file never interleave.
//
// Thread safety: append() may be called from any thread, concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace elector::daemon {

class EventLog {
 public:
  /// Opens (creating it, mode 0644) `path` for appending. Null with `error` set when it cannot.
  static std::unique_ptr<EventLog> open(const std::string& path, std::string& error);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  /// Appends `line` and a newline. False when the write failed (the first failure is logged).
  bool append(std::string_view line);

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  EventLog(std::string path, int fd);

  std::string path_;
  int fd_;
  std::mutex mu_;
  bool failed_ = false;  // a write failed already: log only the first failure
};

}  // namespace elector::daemon
