#include "ctl/endpoint.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ctl/errors.hpp"

namespace elector::ctl {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Endpoint> try_parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // A bare IPv6 address would be ambiguous; it must be written in brackets.
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (host.empty() || port.empty() || host == "unix") return std::nullopt;
  unsigned value = 0;
  const auto* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (ec != std::errc() || ptr != end || value == 0 || value > 65535) return std::nullopt;
  return Endpoint{std::string(host), static_cast<std::uint16_t>(value), {}};
}

Endpoint parse_endpoint(std::string_view text, std::string_view source) {
  if (text.starts_with("unix:")) {
    throw UsageError(std::string(source) + " " + std::string(text) +
                     ": unix socket addresses are not supported by electorctl yet; give the "
                     "node's control address as HOST:PORT");
  }
  auto endpoint = try_parse_endpoint(text);
  if (!endpoint) {
    throw UsageError(std::string(source) + " '" + std::string(text) +
                     "': expected HOST:PORT with a port from 1 to 65535");
  }
  return *endpoint;
}

std::string read_token_file(const std::string& path, std::string_view source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError(std::string(source) + " '" + path + "': cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw UsageError(std::string(source) + " '" + path + "': the file is empty");
  return token;
}

}  // namespace elector::ctl
