// electord's hold on its state file: the state directory is created if missing, and an exclusive
// lock beside the state file is held for the life of the process, so that two electord processes
// with the same name (hence the same state file) cannot both run. Two processes saving one
// state file would each overwrite the other's promises, and a restart would keep the wrong ones.
//
// The lock is flock(2) on NAME.lock (the state file's name with ".lock" for ".state"), not on the
// state file itself: a save renames a new file over the state file, and a lock on the old one
// would not be seen by a process that opens the new one. The kernel releases it when the process
// ends, however it ends; the file stays and holds the pid of the last holder, for the message.
//
// Thread safety: one StateLock per process, created by main() before the node starts.
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace elector::daemon {

class StateLock {
 public:
  enum class Failure {
    /// The directory cannot be created or is not a directory: a configuration problem (exit 2).
    directory,
    /// Another process holds the lock (exit 1).
    held,
    /// The lock file cannot be opened or locked (exit 1).
    lock,
  };

  /// Creates `dir` (and missing parents) with mode 0700, then locks the lock file of
  /// `state_file` (which lies in `dir`). Null with `failure` and `error` (a whole sentence naming
  /// the paths) when it cannot.
  static std::unique_ptr<StateLock> acquire(const std::string& dir, const std::string& state_file,
                                            Failure& failure, std::string& error);

  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

  /// NAME.lock for NAME.state, FILE.lock for any other FILE.
  static std::string lock_path(const std::string& state_file);

 private:
  StateLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace elector::daemon
