// Who the control API answers: clients of this host always; others only with the token.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "daemon/control_access.hpp"
#include "daemon/peer_address.hpp"

namespace elector::daemon {
namespace {

constexpr const char* kToken = "0123456789abcdef0123";

HttpRequest from(bool local, const std::string& authorization = "") {
  HttpRequest r;
  r.method = "GET";
  r.path = "/v1/leader";
  r.peer = local ? "127.0.0.1:5000" : "10.1.2.3:5000";
  r.peer_local = local;
  if (!authorization.empty()) r.headers.emplace_back("authorization", authorization);
  return r;
}

TEST(ControlAccess, ClientsOfThisHostAreAnsweredWithOrWithoutAToken) {
  EXPECT_EQ(control_access(from(true), "").status, 0);
  EXPECT_EQ(control_access(from(true), kToken).status, 0);
}

TEST(ControlAccess, OtherHostsAreRefusedWhenNoTokenIsConfigured) {
  for (const std::string auth : {"", "Bearer ", "Bearer anything"}) {
    const auto d = control_access(from(false, auth), "");
    EXPECT_EQ(d.status, 403) << auth;
    EXPECT_NE(d.message.find("10.1.2.3:5000"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("control_token_file"), std::string::npos) << d.message;
  }
}

TEST(ControlAccess, OtherHostsNeedTheExactToken) {
  EXPECT_EQ(control_access(from(false, std::string("Bearer ") + kToken), kToken).status, 0);
  const std::string wrong[] = {
      "",
      "Bearer",
      "Bearer ",
      std::string("Basic ") + kToken,
      std::string("bearer") + kToken,
      std::string("Bearer ") + kToken + "x",
      std::string("Bearer ") + std::string(kToken).substr(1),
      "Bearer 0123456789abcdef0124",
  };
  for (const auto& auth : wrong) {
    const auto d = control_access(from(false, auth), kToken);
    EXPECT_EQ(d.status, 401) << auth;
  }
}

HttpRequest browser(bool local, std::vector<std::pair<std::string, std::string>> fields) {
  HttpRequest r = from(local);
  r.method = "POST";
  r.path = "/v1/elect";
  r.headers = std::move(fields);
  return r;
}

TEST(ControlAccess, ABrowserRequestFromAnotherSiteIsRefusedWhoeverSendsIt) {
  for (const bool local : {true, false}) {
    for (const std::string site : {"cross-site", "same-site"}) {
      const auto d =
          control_access(browser(local, {{"host", "127.0.0.1:7947"},
                                         {"sec-fetch-site", site},
                                         {"authorization", std::string("Bearer ") + kToken}}),
                         kToken);
      EXPECT_EQ(d.status, 403) << site;
      EXPECT_NE(d.message.find("another web site"), std::string::npos) << d.message;
    }
    for (const std::string origin : {"http://evil.example", "null", "http://127.0.0.1:8080"}) {
      const auto d =
          control_access(browser(local, {{"host", "127.0.0.1:7947"}, {"origin", origin}}), "");
      EXPECT_EQ(d.status, 403) << origin;
      EXPECT_NE(d.message.find("another origin"), std::string::npos) << d.message;
    }
  }
}

TEST(ControlAccess, TheDashboardsOwnRequestsAndProgramsOtherThanBrowsersAreAnswered) {
  // The page at http://127.0.0.1:7947/ui asking its own origin, typed URLs, [::1] and localhost.
  for (const auto& [host, origin] : std::vector<std::pair<std::string, std::string>>{
           {"127.0.0.1:7947", "http://127.0.0.1:7947"},
           {"[::1]:7947", "http://[::1]:7947"},
           {"LocalHost:7947", "http://localhost:7947"}}) {
    EXPECT_EQ(
        control_access(
            browser(true, {{"host", host}, {"sec-fetch-site", "same-origin"}, {"origin", origin}}),
            "")
            .status,
        0)
        << host;
    EXPECT_EQ(
        control_access(browser(true, {{"host", host}, {"sec-fetch-site", "none"}}), "").status, 0)
        << host;
  }
  // curl, electorctl, Prometheus: no Sec-Fetch-Site, no Origin; any Host.
  EXPECT_EQ(control_access(browser(true, {{"host", "myhost:7947"}}), "").status, 0);
}

TEST(ControlAccess, ABrowserOnThisHostUnderARenamedAddressIsRefused) {
  // DNS rebinding: evil.example now resolves to 127.0.0.1, and its page is same-origin.
  const auto d = control_access(browser(true, {{"host", "evil.example:7947"},
                                               {"sec-fetch-site", "same-origin"},
                                               {"origin", "http://evil.example:7947"}}),
                                "");
  EXPECT_EQ(d.status, 403);
  EXPECT_NE(d.message.find("evil.example:7947"), std::string::npos) << d.message;
  // A remote browser with the token, under the node's name, is answered.
  EXPECT_EQ(control_access(browser(false, {{"host", "node1:7947"},
                                           {"sec-fetch-site", "same-origin"},
                                           {"authorization", std::string("Bearer ") + kToken}}),
                           kToken)
                .status,
            0);
}

/// describe_peer() of the IPv4 address `ip` and `port`.
PeerAddress peer_v4(const char* ip, std::uint16_t port = 1) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, ip, &v4.sin_addr), 1) << ip;
  return describe_peer(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
}

/// describe_peer() of the IPv6 address `ip` and `port`.
PeerAddress peer_v6(const char* ip, std::uint16_t port = 1) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1) << ip;
  return describe_peer(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
}

TEST(PeerAddress, LoopbackAndUnixAreLocal) {
  auto p = peer_v4("127.0.0.1", 4242);
  EXPECT_TRUE(p.local);
  EXPECT_EQ(p.text, "127.0.0.1:4242");
  EXPECT_TRUE(peer_v4("127.45.6.7").local);
  p = peer_v6("::1", 4242);
  EXPECT_TRUE(p.local);
  EXPECT_EQ(p.text, "[::1]:4242");
  EXPECT_TRUE(peer_v6("::ffff:127.0.0.1").local);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  p = describe_peer(reinterpret_cast<const sockaddr*>(&un), sizeof(sa_family_t));
  EXPECT_TRUE(p.local);
  EXPECT_EQ(p.text, "unix");
}

TEST(PeerAddress, OtherAddressesAreNotLocal) {
  for (const char* a : {"10.0.0.1", "192.168.1.1", "0.0.0.0", "128.0.0.1"}) {
    const auto p = peer_v4(a);
    EXPECT_FALSE(p.local) << a;
    EXPECT_EQ(p.text, std::string(a) + ":1");
  }
  for (const char* a : {"fe80::1", "::ffff:10.0.0.1", "2001:db8::1", "::"}) {
    EXPECT_FALSE(peer_v6(a).local) << a;
  }
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  // Truncated or unknown: not local.
  EXPECT_FALSE(describe_peer(reinterpret_cast<const sockaddr*>(&v4), 4).local);
  EXPECT_FALSE(describe_peer(nullptr, 0).local);
  sockaddr other{};
  other.sa_family = AF_PACKET;
  EXPECT_EQ(describe_peer(&other, sizeof other).text, "unknown");
}

}  // namespace
}  // namespace elector::daemon
