// The harness's fault log: one JSON object per line (see run_log.hpp for the lines), each
// written with a single write(2) on an O_APPEND descriptor, so a line is complete and on disk
// at once even if the harness is killed.
//
// Thread safety: none; the harness writes from its one thread.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace chaos {

/// CLOCK_MONOTONIC in nanoseconds: the clock of every event log on this host.
std::int64_t mono_ns();

class FaultLog {
 public:
  explicit FaultLog(const std::string& path);  // throws std::runtime_error if it cannot open
  ~FaultLog();
  FaultLog(const FaultLog&) = delete;
  FaultLog& operator=(const FaultLog&) = delete;

  /// Writes `fields` with "t_mono_ns": t and "fault": fault first.
  void write(std::int64_t t, const std::string& fault, const nlohmann::json& fields = {});

 private:
  int fd_;
};

}  // namespace chaos
