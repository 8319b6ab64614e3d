// The TCP channel's table of connections: every open one, and the indexes a send or a timer
// looks them up by.
//
//  - every connection, both ways, until it ends (size(), and open(): the same count, readable
//    from any thread for TransportStats::connections and stop()'s wait);
//  - ours by the address we opened it to, and the peers' by the name their hello gave: a send
//    takes ours if usable, else the one the peer opened to us (usable_to());
//  - the accepted connections still waiting for their first authenticated packet, oldest first
//    (the first to run out of time, and the first given up to make room).
//
// The idle sweep (take_idle()) looks only at the connections we opened: they follow the
// membership (push-pulls to random members would otherwise pile up), whereas a peer's connection
// is its peer's to close.
//
// Thread safety: the loop thread only, except open(). The table holds connections but does not
// close them: take_idle() hands them back for the channel to close.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "elector/time.hpp"
#include "net/connection.hpp"

namespace elector::net {

class ConnectionTable {
 public:
  using Ptr = std::shared_ptr<Connection>;

  /// A connection we open to c->key(); it replaces any earlier one to that address.
  void add_outgoing(const Ptr& c);
  /// A connection a peer opened: it waits to authenticate from now on (Connection::awaiting_auth).
  void add_accepted(const Ptr& c);
  /// The peer of connection `c`, which it opened, is `name`.
  void name_incoming(const std::string& name, const Ptr& c) { incoming_[name] = c; }
  /// `c` ended: it leaves the table (an index entry that already names a newer connection stays).
  void remove(const Ptr& c);

  /// `c` no longer waits to authenticate (it did, or it is closing). True when it was the oldest
  /// waiting: the earliest authentication deadline moved.
  bool forget_awaiting(Connection& c);
  /// The accepted connection that has waited longest to authenticate; null when none waits.
  [[nodiscard]] Ptr oldest_awaiting() const;
  [[nodiscard]] std::size_t awaiting() const { return awaiting_.size(); }

  /// A connection to send to `name` at `addr` on: ours to `addr` if usable, else the one `name`
  /// opened to us if usable; null when neither is.
  [[nodiscard]] Ptr usable_to(const std::string& addr, const std::string& name) const;
  /// Takes out of the index of ours those unused for longer than `limit` at `now`, and returns
  /// them (for the caller to close). They stay in the table until they end (remove()).
  std::vector<Ptr> take_idle(Time now, Duration limit);

  [[nodiscard]] std::vector<Ptr> all() const { return {conns_.begin(), conns_.end()}; }
  [[nodiscard]] std::size_t size() const { return conns_.size(); }
  /// size(), from any thread.
  [[nodiscard]] int open() const { return open_.load(); }

 private:
  static bool usable(const Connection& c) { return !c.closed() && !c.closing_by_us; }

  std::set<Ptr> conns_;
  std::atomic<int> open_{0};
  std::map<std::string, Ptr> outgoing_;
  /// Connections peers opened to us, by the peer's name (from its hello).
  std::map<std::string, Ptr> incoming_;
  /// By Connection::awaiting_auth: the order of the accepts.
  std::map<std::uint64_t, Ptr> awaiting_;
  std::uint64_t accepts_ = 0;
};

}  // namespace elector::net
