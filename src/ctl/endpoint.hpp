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
  /// The node's control token (sent as "Authorization: Bearer"), needed only when this host is
  /// not the node's; empty: none sent.
  std::string token;

  /// HOST:PORT, with brackets around an IPv6 address.
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses HOST:PORT or [IPV6]:PORT; nullopt when malformed (also for the daemon's unix:PATH).
std::optional<Endpoint> try_parse_endpoint(std::string_view text);

/// Like try_parse_endpoint, but throws UsageError naming `source` (e.g. "--control") and the value.
/// unix:PATH gets its own message: the HTTP client cannot speak over unix sockets.
Endpoint parse_endpoint(std::string_view text, std::string_view source);

/// The control token held in the file `path` (trailing newlines removed). Throws UsageError
/// naming `source` (e.g. "--token-file") and the path when the file cannot be read or is empty.
std::string read_token_file(const std::string& path, std::string_view source);

}  // namespace elector::ctl
