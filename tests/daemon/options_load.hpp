// What the tests of electord's settings share (tests/daemon/options_*_test.cpp): load() runs
// load_options() on a command line, an environment and files given in memory (a path missing
// from `files` cannot be read), as a user with a home unless told otherwise; base() is the
// shortest command line that loads; single_error() checks the one error a bad value must give.
// Pure functions: nothing touches the real environment or file system.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/options.hpp"

namespace elector::daemon::testing {

using Files = std::map<std::string, std::string>;

/// Not root, with a home: the default state directory is ~/.local/state/elector.
inline StateDirEnv user_env() {
  StateDirEnv e;
  e.home = "/home/u";
  return e;
}

inline OptionsResult load(std::vector<std::string> args,
                          std::map<std::string, std::string> env = {}, Files files = {},
                          StateDirEnv state_env = user_env()) {
  OptionsInput in;
  in.args = std::move(args);
  in.env = std::move(env);
  in.state_env = std::move(state_env);
  in.read_file = [files](const std::string& path,
                         std::string& error) -> std::optional<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) {
      error = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  };
  return load_options(in);
}

inline std::vector<std::string> base(std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--name", "box1", "--listen", "127.0.0.1:7001", "--insecure"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

inline std::string joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += e + "\n";
  return s;
}

/// Expects exactly one error, naming `origin` and `value`, and returns it.
inline std::string single_error(const OptionsResult& r, const std::string& origin,
                                const std::string& value) {
  EXPECT_FALSE(r.settings.has_value());
  EXPECT_EQ(r.errors.size(), 1U) << joined(r.errors);
  if (r.errors.empty()) return {};
  const auto& e = r.errors.front();
  EXPECT_EQ(e.rfind("electord: ", 0), 0U) << e;
  EXPECT_NE(e.find(origin), std::string::npos) << e;
  EXPECT_NE(e.find("\"" + value + "\""), std::string::npos) << e;
  return e;
}

}  // namespace elector::daemon::testing
