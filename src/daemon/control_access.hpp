// Who may use the control API (docs/security.md).
//
// Clients on this host (peer_address.hpp) are answered: they could read the daemon's files and
// signal its process anyway. A client elsewhere, which only a non-loopback `control` address
// lets in, is answered only when the daemon has a control token and the request carries it as
// "Authorization: Bearer TOKEN"; without a token configured, it is refused whatever it sends.
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "daemon/http_request.hpp"

namespace elector::daemon {

struct AccessDecision {
  /// 0: answer the request; else the status to refuse it with (401 or 403).
  int status = 0;
  std::string message;
};

/// `token` is the daemon's control token, empty when none is configured.
AccessDecision control_access(const HttpRequest& request, std::string_view token);

}  // namespace elector::daemon
