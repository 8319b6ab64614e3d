// The files electord's settings name, dealt with once every key is merged and checked: the
// secret's and the control token's are read (their contents are the settings), and the state
// file is located.
//
// Each function takes the merged values (for the origin of a key in its messages), reports its
// problems as lines in `errors` and fills its part of the settings.
//
// Thread safety: pure, but for what OptionsInput::read_file does.
#pragma once

#include <string>
#include <vector>

#include "daemon/options.hpp"
#include "daemon/options_values.hpp"

namespace elector::daemon {

/// Fills settings.node.cookie from the highest-precedence source (the file `cookie_file` given
/// as the cookie_file key, or ELECTOR_COOKIE), or explains why it cannot; checks it against
/// --insecure.
void load_secret(const Values& values, const OptionsInput& in, const std::string& cookie_file,
                 Settings& s, std::vector<std::string>& errors);

/// Fills settings.control_token from the file `path` given as control_token_file, if any.
void load_control_token(const Values& values, const OptionsInput& in, const std::string& path,
                        Settings& s, std::vector<std::string>& errors);

/// Sets settings.node.state_file, state_dir and state_origin: the state file given, else
/// NAME.state in the state directory given or in the default one.
void locate_state(const Values& values, const OptionsInput& in, Settings& s,
                  std::vector<std::string>& errors);

}  // namespace elector::daemon
