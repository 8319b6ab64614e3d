#include "net/address.hpp"

#include <utility>

#include "net/host_port.hpp"

namespace elector::net {

using boost::asio::ip::tcp;

bool split_host_port(const std::string& addr, std::string& host, std::uint16_t& port) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) return false;
  std::string h = addr.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned long p = 0;
  for (std::size_t i = colon + 1; i < addr.size(); ++i) {
    const char c = addr[i];
    if (c < '0' || c > '9') return false;
    p = p * 10 + static_cast<unsigned long>(c - '0');
    if (p > 65535) return false;
  }
  host = std::move(h);
  port = static_cast<std::uint16_t>(p);
  return true;
}

std::string join_host_port(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<tcp::endpoint> endpoint_of(boost::asio::io_context& io, const std::string& host,
                                         std::uint16_t port, boost::system::error_code& ec) {
  const auto a = boost::asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(a, port);
  tcp::resolver r(io);
  auto res = r.resolve(host, std::to_string(port), ec);
  if (ec || res.empty()) return std::nullopt;
  return res.begin()->endpoint();
}

std::optional<tcp::endpoint> AddressBook::resolve(const std::string& addr) {
  auto it = resolved_.find(addr);
  if (it != resolved_.end()) return it->second;
  std::string host;
  std::uint16_t port = 0;
  std::optional<tcp::endpoint> ep;
  if (split_host_port(addr, host, port)) {
    boost::system::error_code ec;
    ep = endpoint_of(io_, host, port, ec);
  }
  if (!ep) log_.log(LogLevel::warn, "cannot resolve address \"" + addr + "\"");
  if (resolved_.size() > 100000) resolved_.clear();
  resolved_[addr] = ep;
  return ep;
}

}  // namespace elector::net
