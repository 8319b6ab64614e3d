#include "daemon/peer_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

#include <fmt/format.h>

namespace elector::daemon {

namespace {

bool loopback_v4(const in_addr& a) {
  return (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace

PeerAddress describe_peer(const sockaddr* sa, std::size_t len) {
  PeerAddress p{"unknown", false};
  if (!sa || len < sizeof(sa_family_t)) return p;
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (sa->sa_family == AF_UNIX) {
    p.text = "unix";
    p.local = true;
  } else if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof in);
    if (!inet_ntop(AF_INET, &in.sin_addr, buf.data(), buf.size())) return p;
    p.text = fmt::format("{}:{}", buf.data(), ntohs(in.sin_port));
    p.local = loopback_v4(in.sin_addr);
  } else if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof in6);
    if (!inet_ntop(AF_INET6, &in6.sin6_addr, buf.data(), buf.size())) return p;
    // fmt rather than string concatenation, on which GCC 12 at -O3 warns falsely (-Wrestrict).
    p.text = fmt::format("[{}]:{}", buf.data(), ntohs(in6.sin6_port));
    if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr)) {
      p.local = true;
    } else if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      in_addr v4{};
      std::memcpy(&v4, &in6.sin6_addr.s6_addr[12], sizeof v4);
      p.local = loopback_v4(v4);
    }
  }
  return p;
}

}  // namespace elector::daemon
