// Who is at the other end of a control connection, and whether it is on this host.
//
// The control API trusts the processes of its own host (as the default loopback address does)
// and nobody else unless they present the control token (control_access.hpp). "On this host"
// means a unix-domain socket or a loopback source address (127.0.0.0/8, ::1, and 127.x mapped
// into IPv6); a client of this host that connects to one of its other addresses is not told
// apart from a remote one, which errs on the safe side.
//
// Thread safety: pure functions.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <string>

namespace elector::daemon {

struct PeerAddress {
  /// "127.0.0.1:40522", "[::1]:40522", "unix", or "unknown".
  std::string text;
  bool local = false;
};

/// Describes the address `sa` of `len` bytes (as accept(2) or getpeername(2) give it).
PeerAddress describe_peer(const sockaddr* sa, std::size_t len);

}  // namespace elector::daemon
