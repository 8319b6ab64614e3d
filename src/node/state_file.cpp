#include "node/state_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace elector {

std::optional<PersistentState> load_state(const std::string& path, std::string& error) {
  PersistentState s;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return s;
    error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    std::uint64_t v = 0;
    std::istringstream vs(line.substr(eq + 1));
    if (!(vs >> v)) {
      error = path + ": bad value for " + key;
      return std::nullopt;
    }
    if (key == "term") s.term = v;
    if (key == "boot") s.boot = v;
  }
  return s;
}

bool save_state(const std::string& path, const PersistentState& s, std::string& error) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "term=" << s.term << "\nboot=" << s.boot << "\n";
    out.flush();
    if (!out) {
      error = "cannot write " + tmp + ": " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot replace " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace elector
