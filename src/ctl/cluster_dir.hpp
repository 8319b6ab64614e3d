// The state directory of a local cluster (`electorctl cluster ...`):
//
//   DIR/cluster.json        what `up` was asked for: enough to start any box again
//   DIR/cookie              the cluster secret (mode 0600), unless the user chose their own
//   DIR/boxK/pid            boxK's process id while it was last started by electorctl
//   DIR/boxK/electord.log   its stdout and stderr
//   DIR/boxK/events.jsonl   its event log (--event-log)
//
// boxK listens on HOST:(P+K) and serves its control API on HOST:(P+10000+K), P = base port.
// Nothing here starts or signals processes (see cluster_procs.hpp). Not thread-safe: one
// electorctl command owns the directory at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace elector::ctl {

constexpr int kDefaultBasePort = 7000;
constexpr int kControlPortOffset = 10000;
/// How many of the first boxes serve as seeds for every box.
constexpr int kSeedBoxes = 3;

struct ClusterConfig {
  int nodes = 0;
  int base_port = kDefaultBasePort;
  std::string host = "127.0.0.1";
  std::string electord;                 // absolute path of the binary
  std::string cwd;                      // working directory of every box (relative paths in
                                        // extra_args mean what they meant to `up`)
  std::vector<std::string> extra_args;  // passed to every box unchanged, after electorctl's own
  std::string cookie_file;              // the generated secret; empty when extra_args choose one

  friend bool operator==(const ClusterConfig&, const ClusterConfig&) = default;
};

/// "box17" -> 17. Rejects anything else: no number, a leading zero, a sign, K < 1, other text.
std::optional<int> parse_box_name(std::string_view name);
std::string box_name(int k);

int listen_port(const ClusterConfig& cfg, int k);
int control_port(const ClusterConfig& cfg, int k);
std::string listen_addr(const ClusterConfig& cfg, int k);
std::string control_addr(const ClusterConfig& cfg, int k);
/// The listen addresses of box1..box3 except boxK itself (those that exist).
std::vector<std::string> seeds_for(const ClusterConfig& cfg, int k);

/// Throws UsageError naming --base-port (or N) when some box's ports would not fit in 1..65535.
void check_ports(int nodes, int base_port);

/// Whether any of the cluster's listen or control ports lies in [low, high], the kernel's
/// ephemeral port range: outgoing connections may then occupy a port before its box binds it.
bool ports_overlap(const ClusterConfig& cfg, int low, int high);

/// True when the extra electord options choose the secret themselves (--cookie-file or
/// --insecure), so that no cookie is generated.
bool extras_choose_secret(const std::vector<std::string>& extras);

/// The first extra option that electorctl sets itself for every box (--name, --listen,
/// --control, --priority, --seeds, --event-log), if any.
std::optional<std::string> reserved_extra(const std::vector<std::string>& extras);

class ClusterDir {
 public:
  /// `dir` is made absolute against the current directory.
  explicit ClusterDir(const std::filesystem::path& dir);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path config_path() const { return root_ / "cluster.json"; }
  std::filesystem::path cookie_path() const { return root_ / "cookie"; }
  std::filesystem::path box_dir(int k) const { return root_ / box_name(k); }
  std::filesystem::path pid_path(int k) const { return box_dir(k) / "pid"; }
  std::filesystem::path log_path(int k) const { return box_dir(k) / "electord.log"; }
  std::filesystem::path events_path(int k) const { return box_dir(k) / "events.jsonl"; }

  bool has_config() const;
  /// Throws Failure when cluster.json is missing or malformed.
  ClusterConfig read_config() const;
  /// Atomically replaces cluster.json (creating the directory if needed).
  void write_config(const ClusterConfig& cfg) const;

  std::optional<pid_t> read_pid(int k) const;
  void write_pid(int k, pid_t pid) const;
  void remove_pid(int k) const;

  /// Writes a fresh random 32-byte secret as 64 hex digits (mode 0600) unless the cookie file
  /// already exists, so that a cluster keeps its secret across `down` and `up`.
  void ensure_cookie() const;

  /// NAME -> K for a box of this cluster; otherwise throws UsageError naming `what` (the
  /// argument or option that gave the name) and the name.
  int resolve(std::string_view name, const ClusterConfig& cfg,
              std::string_view what = "NAME") const;

 private:
  std::filesystem::path root_;
};

/// The full command line (argv[0] = cfg.electord) that starts boxK.
std::vector<std::string> electord_command(const ClusterConfig& cfg, const ClusterDir& dir, int k);

/// Encoding of cluster.json; decode throws Failure naming the bad field.
std::string encode_config(const ClusterConfig& cfg);
ClusterConfig decode_config(std::string_view text);

/// 32 random bytes as 64 lowercase hex digits (from the kernel's random source).
std::string random_secret_hex();

}  // namespace elector::ctl
