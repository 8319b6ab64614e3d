// The two ways an electorctl command fails, mapped to its exit codes by main.cpp.
#pragma once

#include <stdexcept>
#include <string>

namespace elector::ctl {

/// Bad usage (exit code 2): the message names the offending option or argument and its value.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

/// A runtime failure (exit code 1): no leader, quorum not met, timeout, node unreachable, a
/// cluster directory that cannot be used.
class Failure : public std::runtime_error {
 public:
  explicit Failure(const std::string& what) : std::runtime_error(what) {}
};

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace elector::ctl
