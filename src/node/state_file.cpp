#include "node/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <string_view>

namespace elector {

namespace {

std::string why(int err) {
  return std::strerror(err);
}

/// The whole file, or nullopt with errno set (ENOENT for an absent one).
std::optional<std::string> read_all(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

/// The key=value lines of `text`; an empty string on success, else what is wrong with them.
std::string split_lines(std::string_view text, std::map<std::string, std::string>& kv) {
  if (text.empty()) return "the file is empty";
  // Every line ends with a newline: a file without one at its end was cut short.
  if (text.back() != '\n') return "the last line is incomplete";
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return "line \"" + std::string(line) + "\" is not key=value";
    }
    const std::string key(line.substr(0, eq));
    if (!kv.emplace(key, std::string(line.substr(eq + 1))).second) {
      return "key " + key + " appears twice";
    }
  }
  return {};
}

/// Fills `out` from the lines; an empty string on success, else what is wrong with them.
std::string interpret(const std::map<std::string, std::string>& kv, const std::string& boot_id,
                      LoadedState& out) {
  core::DurableState s;
  const auto number = [&](const char* key, auto& field) -> std::string {
    const auto it = kv.find(key);
    if (it == kv.end()) return {};
    return parse_int(it->second, field)
               ? std::string()
               : "bad value for " + std::string(key) + ": \"" + it->second + "\"";
  };
  if (kv.count("term") == 0) return "no term";
  std::int64_t bound_ns = 0;
  std::uint64_t boot = 0;
  for (const auto& problem :
       {number("term", s.term), number("boot", boot), number("cluster_size", s.cluster_size),
        number("bound_until_ns", bound_ns)}) {
    if (!problem.empty()) return problem;
  }
  const auto bound_it = kv.find("bound_until_ns");
  const auto id_it = kv.find("boot_id");
  const bool has_bound = bound_it != kv.end();
  const bool has_id = id_it != kv.end() && !id_it->second.empty();
  if (has_bound != has_id) return "bound_until_ns and boot_id must come together";
  out.boot = boot;
  if (has_bound && !boot_id.empty() && id_it->second == boot_id) {
    s.bound_until = from_ns(bound_ns);
    out.past = core::Past{core::Recall::kept, s};
    return {};
  }
  // Another boot (the instant is on a clock that started again), or a file of a version that
  // did not save its bindings: the term and the cluster size still hold, the bindings are
  // unknown.
  out.past = core::Past{core::Recall::lost, s};
  return {};
}

/// write(2) until everything is written.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

const std::string& machine_boot_id() {
  static const std::string id = [] {
    auto text = read_all("/proc/sys/kernel/random/boot_id").value_or(std::string());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }();
  return id;
}

std::optional<LoadedState> load_state(const std::string& path, const std::string& boot_id,
                                      std::string& error) {
  LoadedState out;
  const auto text = read_all(path);
  if (!text) {
    if (errno == ENOENT) return out;  // first_start
    error = "cannot read the state file " + path + ": " + why(errno);
    return std::nullopt;
  }
  std::map<std::string, std::string> kv;
  std::string problem = split_lines(*text, kv);
  if (problem.empty()) problem = interpret(kv, boot_id, out);
  if (!problem.empty()) {
    out = LoadedState{};
    out.past = core::Past{core::Recall::lost, core::DurableState{}};
    out.corrupt = "the state file " + path + " is corrupt (" + problem + ")";
  }
  return out;
}

bool save_state(const std::string& path, const core::DurableState& s, std::uint64_t boot,
                const std::string& boot_id, std::string& error) {
  std::string text = "term=" + std::to_string(s.term) + "\nboot=" + std::to_string(boot) +
                     "\ncluster_size=" + std::to_string(s.cluster_size) + "\n";
  // Without the machine's boot id the instant cannot be told apart from one of another boot; the
  // next start then treats the bindings as lost, which is safe.
  if (!boot_id.empty()) {
    text +=
        "bound_until_ns=" + std::to_string(to_ns(s.bound_until)) + "\nboot_id=" + boot_id + "\n";
  }

  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& what, const std::string& file) {
    error = "cannot " + what + " " + file + ": " + why(errno);
    ::unlink(tmp.c_str());
    return false;
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("create", tmp);
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return fail("write", tmp);
  }
  if (::close(fd) != 0) return fail("write", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("replace", path);
  // The rename itself is durable only once the directory is.
  const std::string dir = directory_of(path);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    error = "cannot open the directory " + dir + " to sync it: " + why(errno);
    return false;
  }
  // Some file systems cannot sync a directory (EINVAL): their renames are as durable as they get.
  const bool synced = ::fsync(dfd) == 0 || errno == EINVAL;
  const int err = errno;
  ::close(dfd);
  if (!synced) {
    error = "cannot sync the directory " + dir + ": " + why(err);
    return false;
  }
  return true;
}

}  // namespace elector
