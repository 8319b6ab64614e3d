#include "net/dns.hpp"

#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <utility>

#include "net/host_port.hpp"

namespace elector::net {

using boost::asio::ip::tcp;

namespace {

constexpr std::string_view kSrvPrefix = "srv:";

/// Every A and AAAA record of `host`, at `port`, appended to `out`.
LookupStatus add_host(const std::string& host, std::uint16_t port, std::vector<tcp::endpoint>& out,
                      std::string& error) {
  boost::asio::io_context io;
  tcp::resolver r(io);
  boost::system::error_code ec;
  const auto res = r.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec) {
    error = "\"" + host + "\": " + ec.message();
    return ec == boost::asio::error::host_not_found || ec == boost::asio::error::no_data
               ? LookupStatus::no_record
               : LookupStatus::failed;
  }
  for (const auto& e : res) out.push_back(e.endpoint());
  return out.empty() ? LookupStatus::no_record : LookupStatus::found;
}

struct SrvTarget {
  std::string host;
  std::uint16_t port = 0;
};

/// The SRV records of `name`, through the stub resolver of libresolv.
LookupStatus srv_targets(const std::string& name, std::vector<SrvTarget>& out, std::string& error) {
  struct __res_state st {};
  if (res_ninit(&st) != 0) {
    error = "cannot read the resolver configuration";
    return LookupStatus::failed;
  }
  std::vector<unsigned char> answer(NS_MAXMSG);
  const int n = res_nquery(&st, name.c_str(), ns_c_in, ns_t_srv, answer.data(),
                           static_cast<int>(answer.size()));
  const int herr = st.res_h_errno;
  res_nclose(&st);
  if (n < 0) {
    error = "SRV \"" + name + "\": " + hstrerror(herr);
    return herr == HOST_NOT_FOUND || herr == NO_DATA ? LookupStatus::no_record
                                                     : LookupStatus::failed;
  }
  ns_msg msg;
  if (ns_initparse(answer.data(), n, &msg) != 0) {
    error = "SRV \"" + name + "\": a malformed answer";
    return LookupStatus::failed;
  }
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv) continue;
    // priority (2 bytes), weight (2), port (2), then the target's name.
    if (ns_rr_rdlen(rr) < 7) continue;
    const unsigned char* rdata = ns_rr_rdata(rr);
    char target[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rdata + 6, target, sizeof target) < 0) {
      continue;
    }
    const auto port = static_cast<std::uint16_t>(ns_get16(rdata + 4));
    // "." as the target says the service is not offered here (RFC 2782).
    if (port != 0 && target[0] != '\0' && std::string_view(target) != ".") {
      out.push_back({target, port});
    }
  }
  if (out.empty()) {
    error = "SRV \"" + name + "\": no usable record";
    return LookupStatus::no_record;
  }
  return LookupStatus::found;
}

}  // namespace

std::optional<tcp::endpoint> literal_endpoint(const std::string& addr) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(addr, host, port)) return std::nullopt;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(a, port);
}

bool is_srv(const std::string& addr) {
  return addr.size() > kSrvPrefix.size() && addr.starts_with(kSrvPrefix);
}

Lookup lookup(const std::string& addr) {
  Lookup r;
  if (const auto ep = literal_endpoint(addr)) {
    r.status = LookupStatus::found;
    r.endpoints.push_back(*ep);
    return r;
  }
  if (is_srv(addr)) {
    std::vector<SrvTarget> targets;
    r.status = srv_targets(addr.substr(kSrvPrefix.size()), targets, r.error);
    if (r.status != LookupStatus::found) return r;
    // Found when any target has an address; a target that fails is only reported.
    r.status = LookupStatus::no_record;
    for (const auto& t : targets) {
      std::string why;
      if (add_host(t.host, t.port, r.endpoints, why) == LookupStatus::found) {
        r.status = LookupStatus::found;
      } else if (r.error.empty()) {
        r.error = why;
      }
    }
  } else {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(addr, host, port) || host.empty()) {
      r.error = "not HOST:PORT or srv:NAME";
      return r;
    }
    r.status = add_host(host, port, r.endpoints, r.error);
  }
  std::sort(r.endpoints.begin(), r.endpoints.end());
  r.endpoints.erase(std::unique(r.endpoints.begin(), r.endpoints.end()), r.endpoints.end());
  if (r.status == LookupStatus::found) r.error.clear();
  return r;
}

}  // namespace elector::net
