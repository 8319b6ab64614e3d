// `electorctl cluster ui [NAME]`: the URL of a live box's dashboard (electord's GET /ui), and a
// browser opened on it when a person runs the command at a terminal.
//
// Thread safety: cluster_ui() runs a child process (the browser opener) and waits for it; call it
// from the main thread. ui_opener() is a pure function.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ctl/node_cmd.hpp"

namespace elector::ctl {

struct UiOptions {
  std::optional<std::string> name;  // a box; none: the first box that answers
  bool open = true;                 // false: --no-open
};

/// What opens `url`, as an argv: $BROWSER (`browser`, a shell command to which the URL is
/// appended) when set and not empty, else xdg-open when `xdg_open` (its path) is given. Nothing
/// when `open` is false or stdout is not a terminal (a script wants the URL, not a window).
std::optional<std::vector<std::string>> ui_opener(const std::string& url, bool open,
                                                  bool stdout_is_tty, const char* browser,
                                                  const std::optional<std::string>& xdg_open);

/// Prints http://CONTROL/ui of box NAME (which must be running: not dead, not frozen) or of the
/// first running box whose control API answers, then runs ui_opener()'s command and waits for
/// it. Throws Failure when no box answers or the opener fails, UsageError for an unknown NAME.
int cluster_ui(const std::filesystem::path& dir, const UiOptions& options, Out io,
               bool stdout_is_tty);

}  // namespace elector::ctl
