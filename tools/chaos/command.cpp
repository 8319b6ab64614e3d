#include "command.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace chaos {

namespace {

pid_t spawn(const Argv& argv, int log_fd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int null_fd = ::open("/dev/null", O_RDWR);
  const int out = log_fd >= 0 ? log_fd : null_fd;
  dup2(null_fd, 0);
  dup2(out, 1);
  dup2(out, 2);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

bool run_all(const std::vector<Argv>& commands, int log_fd) {
  std::vector<pid_t> pids;
  bool ok = true;
  for (const auto& c : commands) {
    const pid_t pid = spawn(c, log_fd);
    if (pid < 0) {
      ok = false;
    } else {
      pids.push_back(pid);
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

}  // namespace chaos
