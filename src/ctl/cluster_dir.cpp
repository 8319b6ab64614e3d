#include "ctl/cluster_dir.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "ctl/errors.hpp"

namespace elector::ctl {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<int> parse_box_name(std::string_view name) {
  constexpr std::string_view kPrefix = "box";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  const auto digits = name.substr(kPrefix.size());
  if (digits.empty() || digits.front() == '0') return std::nullopt;
  int k = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, k);
  if (ec != std::errc() || ptr != end || k < 1) return std::nullopt;
  return k;
}

std::string box_name(int k) {
  return "box" + std::to_string(k);
}

int listen_port(const ClusterConfig& cfg, int k) {
  return cfg.base_port + k;
}
int control_port(const ClusterConfig& cfg, int k) {
  return cfg.base_port + kControlPortOffset + k;
}
std::string listen_addr(const ClusterConfig& cfg, int k) {
  return cfg.host + ":" + std::to_string(listen_port(cfg, k));
}
std::string control_addr(const ClusterConfig& cfg, int k) {
  return cfg.host + ":" + std::to_string(control_port(cfg, k));
}

std::vector<std::string> seeds_for(const ClusterConfig& cfg, int k) {
  std::vector<std::string> seeds;
  for (int s = 1; s <= kSeedBoxes && s <= cfg.nodes; ++s) {
    if (s != k) seeds.push_back(listen_addr(cfg, s));
  }
  return seeds;
}

void check_ports(int nodes, int base_port) {
  if (nodes < 1) throw UsageError("N " + std::to_string(nodes) + ": must be at least 1");
  if (base_port < 0) {
    throw UsageError("--base-port " + std::to_string(base_port) + ": must not be negative");
  }
  const long highest = static_cast<long>(base_port) + kControlPortOffset + nodes;
  if (highest > 65535) {
    throw UsageError("--base-port " + std::to_string(base_port) + ": box" + std::to_string(nodes) +
                     "'s control port would be " + std::to_string(highest) +
                     ", above 65535 (control ports are P+10000+K)");
  }
}

bool ports_overlap(const ClusterConfig& cfg, int low, int high) {
  auto overlaps = [&](int first, int last) { return first <= high && low <= last; };
  return overlaps(listen_port(cfg, 1), listen_port(cfg, cfg.nodes)) ||
         overlaps(control_port(cfg, 1), control_port(cfg, cfg.nodes));
}

namespace {

/// The option name of an argument: "--x=1" -> "--x"; not an option -> "".
std::string_view option_name(std::string_view arg) {
  if (!arg.starts_with("--")) return {};
  return arg.substr(0, arg.find('='));
}

}  // namespace

bool extras_choose_secret(const std::vector<std::string>& extras) {
  for (const auto& arg : extras) {
    const auto name = option_name(arg);
    if (name == "--cookie-file" || name == "--insecure") return true;
  }
  return false;
}

std::optional<std::string> reserved_extra(const std::vector<std::string>& extras) {
  static const std::vector<std::string_view> kReserved = {"--name",     "--listen", "--control",
                                                          "--priority", "--seeds",  "--event-log"};
  for (const auto& arg : extras) {
    const auto name = option_name(arg);
    for (const auto reserved : kReserved) {
      if (name == reserved) return std::string(reserved);
    }
  }
  return std::nullopt;
}

ClusterDir::ClusterDir(const fs::path& dir) : root_(fs::absolute(dir).lexically_normal()) {
  // "dir/" normalizes to "dir/" with an empty last part; drop it so paths print cleanly.
  if (!root_.has_filename() && root_.has_parent_path() && root_ != root_.root_path()) {
    root_ = root_.parent_path();
  }
}

bool ClusterDir::has_config() const {
  std::error_code ec;
  return fs::exists(config_path(), ec);
}

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Writes through a temporary file and a rename, so that readers never see half a file.
void write_file_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw Failure("cannot create " + path.parent_path().string() + ": " + ec.message());
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Failure("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) throw Failure("cannot write " + path.string() + ": " + ec.message());
}

}  // namespace

ClusterConfig ClusterDir::read_config() const {
  if (!has_config()) {
    throw Failure("no cluster in " + root_.string() + " (" + config_path().filename().string() +
                  " not found; start one with 'electorctl cluster up N --dir " + root_.string() +
                  "')");
  }
  try {
    return decode_config(read_file(config_path()));
  } catch (const Failure& e) {
    throw Failure(config_path().string() + ": " + e.what());
  }
}

void ClusterDir::write_config(const ClusterConfig& cfg) const {
  write_file_atomically(config_path(), encode_config(cfg));
}

std::optional<pid_t> ClusterDir::read_pid(int k) const {
  std::ifstream in(pid_path(k));
  long pid = 0;
  if (!(in >> pid) || pid <= 0 || pid > 0x3fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

void ClusterDir::write_pid(int k, pid_t pid) const {
  write_file_atomically(pid_path(k), std::to_string(pid) + "\n");
}

void ClusterDir::remove_pid(int k) const {
  std::error_code ec;
  fs::remove(pid_path(k), ec);
}

void ClusterDir::ensure_cookie() const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw Failure("cannot create " + root_.string() + ": " + ec.message());
  const auto path = cookie_path();
  // O_EXCL: an existing secret is kept; the file is never readable by others, not even briefly.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw Failure("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const std::string secret = random_secret_hex();
  const bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  ::close(fd);
  if (!ok) {
    fs::remove(path, ec);
    throw Failure("cannot write " + path.string());
  }
}

int ClusterDir::resolve(std::string_view name, const ClusterConfig& cfg,
                        std::string_view what) const {
  const auto k = parse_box_name(name);
  if (!k || *k > cfg.nodes) {
    throw UsageError(std::string(what) + " '" + std::string(name) + "': no such box in " +
                     root_.string() + " (boxes are box1..box" + std::to_string(cfg.nodes) + ")");
  }
  return *k;
}

std::vector<std::string> electord_command(const ClusterConfig& cfg, const ClusterDir& dir, int k) {
  std::vector<std::string> argv = {
      cfg.electord,        "--name",    box_name(k),          "--listen",
      listen_addr(cfg, k), "--control", control_addr(cfg, k), "--priority",
      std::to_string(k)};
  const auto seeds = seeds_for(cfg, k);
  if (!seeds.empty()) {
    std::string joined;
    for (const auto& s : seeds) joined += (joined.empty() ? "" : ",") + s;
    argv.push_back("--seeds");
    argv.push_back(joined);
  }
  argv.push_back("--event-log");
  argv.push_back(dir.events_path(k).string());
  // The box's own state directory: the default one (per user, or /var/lib/elector as root) would
  // be shared by every cluster with a boxK, and two daemons of one name cannot share state.
  argv.push_back("--state-dir");
  argv.push_back(dir.box_dir(k).string());
  if (!cfg.cookie_file.empty()) {
    argv.push_back("--cookie-file");
    argv.push_back(cfg.cookie_file);
  }
  // The cluster's size is known here: declared, its majority is the quorum from the first second,
  // so the first box does not lead alone while the others join (and lose it as they do).
  const bool sized = std::any_of(cfg.extra_args.begin(), cfg.extra_args.end(), [](const auto& a) {
    return a == "--cluster-size" || a.rfind("--cluster-size=", 0) == 0;
  });
  if (!sized) {
    argv.push_back("--cluster-size");
    argv.push_back(std::to_string(cfg.nodes));
  }
  argv.insert(argv.end(), cfg.extra_args.begin(), cfg.extra_args.end());
  return argv;
}

std::string encode_config(const ClusterConfig& cfg) {
  const json j = {{"format", 1},
                  {"nodes", cfg.nodes},
                  {"host", cfg.host},
                  {"base_port", cfg.base_port},
                  {"electord", cfg.electord},
                  {"cwd", cfg.cwd},
                  {"extra_args", cfg.extra_args},
                  {"cookie_file", cfg.cookie_file}};
  return j.dump(2) + "\n";
}

ClusterConfig decode_config(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw Failure("not a JSON object");
  auto need = [&](const char* key) -> const json& {
    const auto it = j.find(key);
    if (it == j.end()) throw Failure(std::string("missing field '") + key + "'");
    return *it;
  };
  auto text_field = [&](const char* key) {
    const auto& v = need(key);
    if (!v.is_string()) throw Failure(std::string("field '") + key + "' is not a string");
    return v.get<std::string>();
  };
  auto int_field = [&](const char* key) {
    const auto& v = need(key);
    if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 65535) {
      throw Failure(std::string("field '") + key + "' is not an integer from 0 to 65535");
    }
    return v.get<int>();
  };
  if (need("format") != 1) throw Failure("unknown format (expected 1)");
  ClusterConfig cfg;
  cfg.nodes = int_field("nodes");
  cfg.base_port = int_field("base_port");
  cfg.host = text_field("host");
  cfg.electord = text_field("electord");
  cfg.cwd = text_field("cwd");
  cfg.cookie_file = text_field("cookie_file");
  const auto& extras = need("extra_args");
  if (!extras.is_array()) throw Failure("field 'extra_args' is not an array");
  for (const auto& arg : extras) {
    if (!arg.is_string()) throw Failure("field 'extra_args' holds a non-string");
    cfg.extra_args.push_back(arg.get<std::string>());
  }
  try {
    check_ports(cfg.nodes, cfg.base_port);
  } catch (const UsageError& e) {
    throw Failure(std::string("bad ports: ") + e.what());
  }
  if (cfg.host.empty() || cfg.electord.empty()) throw Failure("empty host or electord");
  return cfg;
}

std::string random_secret_hex() {
  unsigned char bytes[32];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Failure(std::string("cannot read random bytes: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof bytes);
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

}  // namespace elector::ctl
