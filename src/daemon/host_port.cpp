#include "daemon/host_port.hpp"

#include <cctype>
#include <charconv>
#include <string_view>
#include <system_error>

namespace elector::daemon {

std::optional<HostPort> parse_host_port(const std::string& s) {
  std::string host;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    host = s.substr(1, close - 1);
    port_text = std::string_view(s).substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = s.substr(0, colon);
    // An unbracketed IPv6 address would be ambiguous.
    if (host.find(':') != std::string::npos) return std::nullopt;
    port_text = std::string_view(s).substr(colon + 1);
  }
  if (host.empty() || port_text.empty()) return std::nullopt;
  for (const char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '[' || c == ']') {
      return std::nullopt;
    }
  }
  int port = -1;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 0 || port > 65535) return std::nullopt;
  return HostPort{host, port};
}

std::string format_host_port(const HostPort& hp) {
  if (hp.host.find(':') != std::string::npos) {
    return "[" + hp.host + "]:" + std::to_string(hp.port);
  }
  return hp.host + ":" + std::to_string(hp.port);
}

bool is_loopback_host(const std::string& host) {
  // A unix socket (control "unix:PATH") is reachable from this host only.
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 ||
         host.rfind("unix:", 0) == 0;
}

}  // namespace elector::daemon
