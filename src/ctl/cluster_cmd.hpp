// `electorctl cluster ...`: a local cluster of electord processes box1..boxN under one state
// directory (cluster_dir.hpp), as king's scripts ran one.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ctl/console.hpp"
#include "ctl/node_cmd.hpp"

namespace elector::ctl {

struct UpOptions {
  int nodes = 0;
  std::filesystem::path dir = "cluster";
  int base_port = 7000;
  std::optional<std::string> electord;  // --electord / ELECTORD
  std::vector<std::string> extra_args;  // passed to every electord unchanged
};

/// Boxes started per batch, and the pause after each batch, so that hundreds of processes
/// starting on a small machine do not all contend for the CPU (and the seeds) at once.
constexpr int kStartBatch = 20;
constexpr std::chrono::milliseconds kStartPause{100};

int cluster_up(const UpOptions& options, Out io);
int cluster_ps(const std::filesystem::path& dir, Out io);
int cluster_status(const std::filesystem::path& dir, Out io);
int cluster_kill(const std::filesystem::path& dir, const std::string& name, Out io);
int cluster_start(const std::filesystem::path& dir, const std::string& name,
                  const std::optional<std::string>& electord, Out io);
int cluster_freeze(const std::filesystem::path& dir, const std::string& name, Out io);
int cluster_thaw(const std::filesystem::path& dir, const std::string& name, Out io);
int cluster_attach(const std::filesystem::path& dir, const std::string& name, ConsoleIo io);
int cluster_down(const std::filesystem::path& dir, Out io);

struct WaitOptions {
  std::chrono::milliseconds timeout{10000};
  std::optional<std::string> expect;  // the leader that must be agreed on
};
/// Waits until every running box sees the same leader, which is itself a running box that
/// reports being leader (unless it is not a box of this directory), and is `expect` if given.
int cluster_wait(const std::filesystem::path& dir, const WaitOptions& options, Out io);

}  // namespace elector::ctl
