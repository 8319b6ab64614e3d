// Peers' addresses: the "host:port" text the core names members by, resolved to an endpoint.
//
// endpoint_of() turns a host and port into an endpoint: a literal address as it is, a name
// through the resolver (which may block on DNS). AddressBook does that once per address text and
// remembers the answer, a failure included (logged once), so that a send resolves nothing after
// the first one to an address; it forgets everything once it holds 100,000 addresses.
// split_host_port() and join_host_port() are declared in net/host_port.hpp.
//
// Thread safety: endpoint_of() from any thread that may use `io`; AddressBook on the loop thread.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "net/diagnostics.hpp"

namespace elector::net {

/// `host`:`port` as an endpoint; nothing, and `ec` saying why, when `host` neither is an address
/// nor resolves.
std::optional<boost::asio::ip::tcp::endpoint> endpoint_of(boost::asio::io_context& io,
                                                          const std::string& host,
                                                          std::uint16_t port,
                                                          boost::system::error_code& ec);

class AddressBook {
 public:
  AddressBook(boost::asio::io_context& io, Diagnostics& log) : io_(io), log_(log) {}

  /// The endpoint of "host:port" `addr`; nothing when it is not of that form or does not resolve.
  std::optional<boost::asio::ip::tcp::endpoint> resolve(const std::string& addr);

 private:
  boost::asio::io_context& io_;
  Diagnostics& log_;
  std::map<std::string, std::optional<boost::asio::ip::tcp::endpoint>> resolved_;
};

}  // namespace elector::net
