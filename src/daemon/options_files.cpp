#include "daemon/options_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace elector::daemon {

namespace {

std::string strip_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// The contents of the file `path` that the setting from `origin` names, without trailing
/// newlines; nullopt with an error naming the setting and the path when it cannot be read.
std::optional<std::string> read_setting_file(const OptionsInput& in, const std::string& origin,
                                             const std::string& path,
                                             std::vector<std::string>& errors) {
  std::string err;
  const auto text = in.read_file(path, err);
  if (!text) {
    errors.push_back(std::string(kProgram) + ": cannot read " + origin + " \"" + path +
                     "\": " + err);
    return std::nullopt;
  }
  return strip_trailing_newlines(*text);
}

}  // namespace

StateDirEnv StateDirEnv::of_process() {
  const auto var = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  StateDirEnv e;
  e.state_directory = var("STATE_DIRECTORY");
  e.xdg_state_home = var("XDG_STATE_HOME");
  e.home = var("HOME");
  e.root = ::geteuid() == 0;
  return e;
}

std::pair<std::string, std::string> default_state_dir(const StateDirEnv& env) {
  // systemd sets a colon-separated list when StateDirectory= names several: the first is ours.
  if (!env.state_directory.empty()) {
    return {env.state_directory.substr(0, env.state_directory.find(':')), "$STATE_DIRECTORY"};
  }
  if (env.root) return {"/var/lib/elector", "root"};
  // The XDG specification ignores a relative $XDG_STATE_HOME.
  if (!env.xdg_state_home.empty() && env.xdg_state_home.front() == '/') {
    return {env.xdg_state_home + "/elector", "$XDG_STATE_HOME"};
  }
  if (!env.home.empty()) return {env.home + "/.local/state/elector", "$HOME"};
  return {};
}

void load_secret(const Values& values, const OptionsInput& in, const std::string& cookie_file,
                 Settings& s, std::vector<std::string>& errors) {
  const auto file_it = values.find("cookie_file");
  const auto env_it = in.env.find("ELECTOR_COOKIE");
  const bool env_secret = env_it != in.env.end() && !env_it->second.empty();
  const bool have_file = file_it != values.end() && !cookie_file.empty();

  bool use_file = have_file;
  if (have_file && env_secret) {
    if (file_it->second.layer == Layer::env) {
      errors.push_back(std::string(kProgram) +
                       ": both ELECTOR_COOKIE and ELECTOR_COOKIE_FILE are set; keep one");
      return;
    }
    // The environment beats the config file; the command line beats the environment.
    use_file = file_it->second.layer == Layer::cli;
  }

  if (use_file) {
    const std::string& origin = file_it->second.origin;
    const auto text = read_setting_file(in, origin, cookie_file, errors);
    if (!text) return;
    s.node.cookie = *text;
    if (s.node.cookie.empty()) {
      errors.push_back(
          bad_value(origin, cookie_file, "the file is empty; it must hold the cluster secret"));
      return;
    }
    s.secret_source = origin + " " + cookie_file;
  } else if (env_secret) {
    s.node.cookie = strip_trailing_newlines(env_it->second);
    if (s.node.cookie.empty()) {
      errors.push_back(std::string(kProgram) + ": ELECTOR_COOKIE holds only newlines");
      return;
    }
    s.secret_source = "ELECTOR_COOKIE";
  }

  if (s.node.cookie.empty() && !s.node.insecure) {
    errors.push_back(
        std::string(kProgram) +
        ": no cluster secret. Give every node of the cluster the same secret, either in a file "
        "(--cookie-file FILE, cookie_file in the config file, or ELECTOR_COOKIE_FILE) or in the "
        "environment variable ELECTOR_COOKIE. To run without authentication for a local "
        "experiment, pass --insecure.");
  } else if (!s.node.cookie.empty() && s.node.insecure) {
    s.warnings.push_back("insecure ignored: a cluster secret is set (" + s.secret_source +
                         "), messages are authenticated");
    s.node.insecure = false;
  }
}

void load_control_token(const Values& values, const OptionsInput& in, const std::string& path,
                        Settings& s, std::vector<std::string>& errors) {
  const auto it = values.find("control_token_file");
  if (it == values.end() || path.empty()) return;
  const std::string& origin = it->second.origin;
  const auto text = read_setting_file(in, origin, path, errors);
  if (!text) return;
  s.control_token = *text;
  // Sent in a header field: no control characters or blanks, and long enough not to be guessed.
  const bool printable = std::all_of(s.control_token.begin(), s.control_token.end(),
                                     [](char c) { return c > ' ' && c != '\x7f'; });
  if (s.control_token.size() < 16 || !printable) {
    errors.push_back(bad_value(origin, path,
                               "the file must hold a token of at least 16 printable characters "
                               "without blanks"));
    s.control_token.clear();
  }
}

void locate_state(const Values& values, const OptionsInput& in, Settings& s,
                  std::vector<std::string>& errors) {
  const auto file_it = values.find("state_file");
  const auto dir_it = values.find("state_dir");
  if (file_it != values.end()) {
    if (dir_it != values.end()) {
      s.warnings.push_back(dir_it->second.origin + " ignored: " + file_it->second.origin +
                           " names the state file itself");
    }
    s.state_origin = file_it->second.origin;
    s.state_file_given = true;
    const auto slash = s.node.state_file.rfind('/');
    s.state_dir = slash == std::string::npos ? "." : s.node.state_file.substr(0, slash);
    if (s.state_dir.empty()) s.state_dir = "/";
    return;
  }
  if (dir_it != values.end()) {
    s.state_origin = dir_it->second.origin;
  } else {
    const auto [dir, from] = default_state_dir(in.state_env);
    if (dir.empty()) {
      errors.push_back(std::string(kProgram) +
                       ": no state directory: HOME is not set and electord does not run as root; "
                       "give --state-dir DIR (or state_dir in the config file, or "
                       "ELECTOR_STATE_DIR)");
      return;
    }
    s.state_dir = dir;
    s.state_origin = "the default state directory (" + from + ")";
  }
  if (s.node.name.find('/') != std::string::npos || s.node.name == "." || s.node.name == "..") {
    const auto name_it = values.find("name");
    errors.push_back(bad_value(name_it != values.end() ? name_it->second.origin : "--name",
                               s.node.name,
                               "the state file is named after the node: give --state-file FILE "
                               "for a name that is not a file name"));
    return;
  }
  std::string dir = s.state_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  s.node.state_file = (dir == "/" ? "" : dir) + "/" + s.node.name + ".state";
}

}  // namespace elector::daemon
