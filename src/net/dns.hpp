// Name lookups for peers' addresses, blocking: AddressBook runs them on a worker thread.
//
// An address text is one of
//   "IP:PORT" or "[IPv6]:PORT"  a literal (lookup() is never needed for it: literal_endpoint());
//   "NAME:PORT"                 every A and AAAA record of NAME (a Kubernetes headless service
//                               answers with one record per ready pod), each at PORT;
//   "srv:NAME"                  every SRV record of NAME (e.g. _gossip._udp.elector.ns.svc...),
//                               each target's A and AAAA records at the record's port.
// Answers are sorted and without repeats, so that the same records give the same list.
//
// Thread safety: pure functions of the system's resolver configuration; any thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <vector>

namespace elector::net {

enum class LookupStatus : std::uint8_t {
  found,      // at least one endpoint
  no_record,  // the name does not exist, or has no record of the kind asked: said by the DNS
  failed,     // no answer (a timeout, a server failure): the last answer may still hold
  invalid,    // the text is none of the forms above; asking again will not help
};

struct Lookup {
  LookupStatus status = LookupStatus::invalid;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::string error;  // why not found, for the log
};

/// The endpoint of a literal "IP:PORT" / "[IPv6]:PORT"; nothing for any other text.
std::optional<boost::asio::ip::tcp::endpoint> literal_endpoint(const std::string& addr);

/// True for the "srv:NAME" form.
bool is_srv(const std::string& addr);

/// The endpoints of `addr` now, asking the system's resolver (getaddrinfo, and res_nquery for
/// SRV). Blocks for as long as the resolver's timeouts (resolv.conf) allow.
Lookup lookup(const std::string& addr);

}  // namespace elector::net
