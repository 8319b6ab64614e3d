#include "daemon/control_access.hpp"

#include <sodium.h>

namespace elector::daemon {

namespace {

/// Compares in time that does not depend on where the first difference is, so that a remote
/// client cannot guess the token byte by byte from response times.
bool same_token(std::string_view given, std::string_view token) {
  if (given.size() != token.size()) return false;
  return sodium_memcmp(given.data(), token.data(), token.size()) == 0;
}

}  // namespace

AccessDecision control_access(const HttpRequest& request, std::string_view token) {
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
