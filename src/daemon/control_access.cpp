#include "daemon/control_access.hpp"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace elector::daemon {

namespace {

/// Compares in time that does not depend on where the first difference is, so that a remote
/// client cannot guess the token byte by byte from response times.
bool same_token(std::string_view given, std::string_view token) {
  if (given.size() != token.size()) return false;
  return sodium_memcmp(given.data(), token.data(), token.size()) == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// "127.0.0.1:7947" -> "127.0.0.1", "[::1]:7947" -> "::1", "localhost" -> "localhost".
std::string_view host_of(std::string_view host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    return close == std::string_view::npos ? host_port : host_port.substr(1, close - 1);
  }
  const auto colon = host_port.rfind(':');
  return colon == std::string_view::npos ? host_port : host_port.substr(0, colon);
}

bool is_address_or_localhost(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost") return true;
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

/// Why a browser's request must be refused; empty when it is not a browser's or may be answered.
std::string browser_refusal(const HttpRequest& request) {
  const std::string* site = request.header("sec-fetch-site");
  if (site && *site != "same-origin" && *site != "none") {
    return "a request from another web site (Sec-Fetch-Site: " + *site +
           ") is refused: a page elsewhere must not steer the cluster";
  }
  const std::string* origin = request.header("origin");
  const std::string* host = request.header("host");
  if (origin) {
    const auto scheme_end = origin->find("://");
    const std::string authority =
        lower(scheme_end == std::string::npos ? *origin : origin->substr(scheme_end + 3));
    if (!host || authority != lower(*host)) {
      return "a request from another origin (" + *origin + ") is refused";
    }
  }
  if ((site || origin) && request.peer_local && host && !is_address_or_localhost(host_of(*host))) {
    return "a browser on this host must open the control API by address (http://127.0.0.1:PORT)"
           " or as localhost, not as \"" +
           *host + "\", which a rebound DNS name would also be";
  }
  return {};
}

}  // namespace

AccessDecision control_access(const HttpRequest& request, std::string_view token) {
  if (auto why = browser_refusal(request); !why.empty()) return {403, std::move(why)};
  if (request.peer_local) return {};
  if (token.empty()) {
    return {403, "the control API answers clients on this host only (this request came from " +
                     request.peer +
                     "); give the daemon a control_token_file to admit other hosts with a token"};
  }
  constexpr std::string_view kBearer = "Bearer ";
  const std::string* auth = request.header("authorization");
  if (auth && auth->size() > kBearer.size() && auth->compare(0, kBearer.size(), kBearer) == 0 &&
      same_token(std::string_view(*auth).substr(kBearer.size()), token)) {
    return {};
  }
  return {401, "a client on another host must send the control token (Authorization: Bearer)"};
}

}  // namespace elector::daemon
