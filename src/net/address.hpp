// Peers' addresses: the text the core names members and seeds by, turned into endpoints.
//
// A literal ("10.0.0.7:7946", "[::1]:7946") is its endpoint at once, for ever. A name
// ("elector-headless.prod.svc:7946", "srv:_gossip._udp.elector.prod.svc"; net/dns.hpp) is looked
// up on a worker thread, never on the loop thread, so that a slow DNS server delays no heartbeat:
//   - the first use starts a lookup and finds nothing yet (pending() says so: the router holds
//     the message until the answer, see AddressBook::Upcall);
//   - an answer is used as it is for `refresh`; the first use after that looks the name up again
//     in the background and goes on with the old answer meanwhile, so that a seed's records are
//     read again on every join attempt the core makes (they back off) and a changed record set is
//     followed;
//   - a name without records, or a DNS that does not answer, is asked again on use after a
//     backoff from `retry_min` doubling to `retry_max`; a DNS that does not answer leaves the last
//     answer in use, while a name said to have no records has none.
// A failure is logged when it starts and when it ends, not on every retry. Everything is
// forgotten once 100,000 texts are held (bounded memory against gossiped garbage).
//
// Thread safety: the loop thread only (the one running `io`), but for the worker's own thread.
// Call order: stop() before `io` stops running handlers, or the destructor (which waits for a
// lookup in progress: as long as the resolver's timeout at most).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "elector/time.hpp"
#include "net/diagnostics.hpp"
#include "net/dns.hpp"

namespace elector::net {

/// `host`:`port` as an endpoint; nothing, and `ec` saying why, when `host` neither is an address
/// nor resolves. Blocking: for the listen address at start only.
std::optional<boost::asio::ip::tcp::endpoint> endpoint_of(boost::asio::io_context& io,
                                                          const std::string& host,
                                                          std::uint16_t port,
                                                          boost::system::error_code& ec);

struct AddressBookTuning {
  Duration refresh = std::chrono::seconds(5);
  Duration retry_min = std::chrono::milliseconds(250);
  Duration retry_max = std::chrono::seconds(5);
};

class AddressBook {
 public:
  /// Called on the loop thread when a lookup of `addr` ends (found or not).
  using Upcall = std::function<void(const std::string& addr)>;
  using Endpoints = std::span<const boost::asio::ip::tcp::endpoint>;

  /// The function that looks a name up, on the worker thread (tests pass their own).
  using LookupFn = std::function<Lookup(const std::string& addr)>;

  AddressBook(boost::asio::io_context& io, Diagnostics& log, AddressBookTuning tuning = {},
              LookupFn lookup_fn = lookup);
  ~AddressBook();
  AddressBook(const AddressBook&) = delete;
  AddressBook& operator=(const AddressBook&) = delete;

  void on_lookup_done(Upcall up) { up_ = std::move(up); }

  /// The endpoints of `addr` known at `now`, best first (none: pending() or unknown); starts a
  /// lookup when the answer is missing or old (see above). Valid until the next call. `literal`,
  /// when given, is set to whether `addr` is an IP address and port.
  Endpoints resolve(const std::string& addr, Time now, bool* literal = nullptr);
  /// A lookup of `addr` is under way and no answer is known yet.
  [[nodiscard]] bool pending(const std::string& addr) const;
  /// Lookups started so far (for tests and diagnostics).
  [[nodiscard]] std::uint64_t lookups() const { return lookups_; }
  /// No more lookups start, and no answer is delivered after this.
  void stop();

 private:
  struct Entry {
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    bool literal = false;
    bool invalid = false;
    bool in_flight = false;
    bool failing = false;
    Time fresh_until{};
    Time retry_at{};
    Duration backoff{};
  };
  void start_lookup(const std::string& addr, Entry& e);
  void finish(const std::string& addr, Lookup r);

  boost::asio::io_context& io_;
  Diagnostics& log_;
  AddressBookTuning t_;
  LookupFn lookup_fn_;
  Upcall up_;
  std::map<std::string, Entry> entries_;
  std::uint64_t lookups_ = 0;
  /// Shared with the handlers the worker posts, which do nothing once it is false.
  std::shared_ptr<bool> live_ = std::make_shared<bool>(true);
  boost::asio::thread_pool worker_{1};
};

}  // namespace elector::net
