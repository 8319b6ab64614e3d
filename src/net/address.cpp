#include "net/address.hpp"

#include <algorithm>
#include <utility>

#include "net/clock.hpp"
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

AddressBook::AddressBook(boost::asio::io_context& io, Diagnostics& log, AddressBookTuning tuning,
                         LookupFn lookup_fn)
    : io_(io), log_(log), t_(tuning), lookup_fn_(std::move(lookup_fn)) {}

AddressBook::~AddressBook() {
  stop();
  worker_.join();
}

void AddressBook::stop() {
  *live_ = false;
  worker_.stop();
}

AddressBook::Endpoints AddressBook::resolve(const std::string& addr, Time now, bool* literal) {
  auto it = entries_.find(addr);
  if (it == entries_.end()) {
    if (entries_.size() >= 100000) {
      // In-flight lookups of forgotten texts are answered into fresh entries: harmless.
      entries_.clear();
    }
    it = entries_.emplace(addr, Entry{}).first;
    Entry& e = it->second;
    if (const auto ep = literal_endpoint(addr)) {
      e.literal = true;
      e.endpoints.push_back(*ep);
    } else if (!is_srv(addr)) {
      std::string host;
      std::uint16_t port = 0;
      if (!split_host_port(addr, host, port) || host.empty()) {
        e.invalid = true;
        log_.log(LogLevel::warn, "cannot resolve address \"" + addr + "\": not HOST:PORT");
      }
    }
  }
  Entry& e = it->second;
  if (literal) *literal = e.literal;
  if (!e.literal && !e.invalid && !e.in_flight && *live_) {
    const bool due = e.endpoints.empty() || e.failing ? now >= e.retry_at : now >= e.fresh_until;
    if (due) start_lookup(addr, e);
  }
  return e.endpoints;
}

bool AddressBook::pending(const std::string& addr) const {
  const auto it = entries_.find(addr);
  return it != entries_.end() && it->second.in_flight && it->second.endpoints.empty();
}

void AddressBook::start_lookup(const std::string& addr, Entry& e) {
  e.in_flight = true;
  ++lookups_;
  boost::asio::post(worker_, [this, addr, live = live_] {
    Lookup r = lookup_fn_(addr);
    boost::asio::post(io_, [this, addr, live, r = std::move(r)]() mutable {
      if (*live) finish(addr, std::move(r));
    });
  });
}

void AddressBook::finish(const std::string& addr, Lookup r) {
  const Time now = mono();
  Entry& e = entries_[addr];
  e.in_flight = false;
  if (r.status == LookupStatus::found) {
    if (e.failing) log_.log(LogLevel::info, "address \"" + addr + "\" resolves again");
    e.endpoints = std::move(r.endpoints);
    e.failing = false;
    e.backoff = Duration{};
    e.fresh_until = now + t_.refresh;
  } else {
    if (!e.failing) {
      log_.log(LogLevel::warn, "cannot resolve address \"" + addr + "\": " + r.error +
                                   (e.endpoints.empty() ? "" : " (keeping the last answer)"));
    }
    e.failing = true;
    if (r.status == LookupStatus::no_record) e.endpoints.clear();
    if (r.status == LookupStatus::invalid) e.invalid = true;
    e.backoff = e.backoff == Duration{} ? t_.retry_min : std::min(e.backoff * 2, t_.retry_max);
    e.retry_at = now + e.backoff;
  }
  if (up_) up_(addr);
}

}  // namespace elector::net
