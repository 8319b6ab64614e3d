// Who may use the control API (docs/security.md).
//
// Clients on this host (peer_address.hpp) are answered: they could read the daemon's files and
// signal its process anyway. A client elsewhere, which only a non-loopback `control` address
// lets in, is answered only when the daemon has a control token and the request carries it as
// "Authorization: Bearer TOKEN"; without a token configured, it is refused whatever it sends.
//
// A web browser on this host is a client on this host, but it runs the script of whatever site it
// shows: a page from elsewhere could send a simple POST to http://127.0.0.1:7947/v1/elect (no
// CORS preflight guards a form-like request), or a name of its own rebound to 127.0.0.1 (DNS
// rebinding) would make the API its own origin and readable. So, whoever the client is (403):
//   - a request a browser marks as coming from another site (Sec-Fetch-Site other than
//     same-origin or none) is refused;
//   - so is one whose Origin is not the address it was sent to (Host);
//   - and a browser's request from this host (one with Sec-Fetch-Site or Origin) whose Host is a
//     name other than localhost, since only a rebound name gets a page of this host's loopback
//     address under a foreign name. The dashboard opened as http://127.0.0.1:7947/ui (or
//     localhost, or any address literal) is unaffected; programs other than browsers send
//     neither field and are unaffected.
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
