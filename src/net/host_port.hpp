// "host:port" text, the form in which the core names members' addresses, read and written.
//
// Thread safety: pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>

namespace elector::net {

/// "host:port" split and checked; false if it is not of that form with a port in 0..65535. An
/// IPv6 host is written in brackets ("[::1]:7946") and returned without them.
bool split_host_port(const std::string& addr, std::string& host, std::uint16_t& port);

/// The reverse: "host:port", with brackets around a host that holds a ':' (an IPv6 address), so
/// that split_host_port() reads it back and people can tell the port from the address.
std::string join_host_port(const std::string& host, std::uint16_t port);

}  // namespace elector::net
