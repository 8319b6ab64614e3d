// HOST:PORT addresses as electord's settings write them (--listen, --seeds, --control).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

namespace elector::daemon {

/// A HOST:PORT address split in two. IPv6 hosts are written in brackets ("[::1]:7947") and kept
/// here without them.
struct HostPort {
  std::string host;
  int port = 0;
};

/// Parses "HOST:PORT" (port 0..65535). Nullopt on a malformed address.
std::optional<HostPort> parse_host_port(const std::string& s);
/// "HOST:PORT", with brackets around an IPv6 host.
std::string format_host_port(const HostPort& hp);
/// True for addresses that only this host can reach (127.0.0.0/8, ::1, localhost, unix:PATH).
bool is_loopback_host(const std::string& host);

}  // namespace elector::daemon
