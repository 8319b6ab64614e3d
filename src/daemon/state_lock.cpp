#include "daemon/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace elector::daemon {

namespace {

/// mkdir -p with mode 0700 for every directory it creates (state is nobody else's business).
bool make_dirs(const std::string& dir, std::string& error) {
  std::string path;
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    const auto slash = dir.find('/', pos);
    const auto end = slash == std::string::npos ? dir.size() : slash;
    path = dir.substr(0, end);
    pos = end + 1;
    if (path.empty()) continue;  // the root of an absolute path
    if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        error = path + ": " + std::strerror(errno);
        return false;
      }
      if (!S_ISDIR(st.st_mode)) {
        error = path + " is not a directory";
        return false;
      }
      continue;
    }
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string read_small(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string StateLock::lock_path(const std::string& state_file) {
  static constexpr std::string_view kSuffix = ".state";
  if (state_file.size() > kSuffix.size() &&
      state_file.compare(state_file.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    return state_file.substr(0, state_file.size() - kSuffix.size()) + ".lock";
  }
  return state_file + ".lock";
}

std::unique_ptr<StateLock> StateLock::acquire(const std::string& dir, const std::string& state_file,
                                              Failure& failure, std::string& error) {
  std::string why;
  if (!make_dirs(dir, why)) {
    failure = Failure::directory;
    error = "cannot use the state directory " + dir + ": " + why;
    return nullptr;
  }
  const std::string path = lock_path(state_file);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    failure = Failure::lock;
    error = "cannot open the lock file " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = read_small(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      failure = Failure::held;
      error = "another electord" + (holder.empty() ? std::string() : " (pid " + holder + ")") +
              " holds the lock " + path + " of the state file " + state_file +
              ": two processes with one name cannot share state; stop it first, or give this "
              "one another name or --state-dir";
    } else {
      failure = Failure::lock;
      error = "cannot lock " + path + ": " + std::strerror(err);
    }
    return nullptr;
  }
  // For the message of a process that finds it held. A full disk may refuse even these few
  // bytes; the lock holds all the same.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const auto written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<StateLock>(new StateLock(fd, path));
}

StateLock::~StateLock() {
  ::close(fd_);
}

}  // namespace elector::daemon
