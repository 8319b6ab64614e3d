// HOST:PORT addresses of control APIs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace elector::ctl {

struct Endpoint {
  std::string host;  // a name or an IP address, without brackets for IPv6
  std::uint16_t port = 0;

  /// HOST:PORT, with brackets around an IPv6 address.
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses HOST:PORT or [IPV6]:PORT; nullopt when malformed (also for the daemon's unix:PATH).
std::optional<Endpoint> try_parse_endpoint(std::string_view text);

/// Like try_parse_endpoint, but throws UsageError naming `source` (e.g. "--control") and the value.
/// unix:PATH gets its own message: the HTTP client cannot speak over unix sockets.
Endpoint parse_endpoint(std::string_view text, std::string_view source);

}  // namespace elector::ctl
