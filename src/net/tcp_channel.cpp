#include "net/tcp_channel.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "net/clock.hpp"

namespace elector::net {

using boost::asio::ip::tcp;

namespace {

/// Descriptors max_connections leaves to the rest of the process when derived from the limit:
/// the control API's 64 clients and event streams, hooks' pipes, the logs, the listening sockets
/// and the loop's own (epoll, timer, eventfd), with room to spare.
constexpr std::size_t kReservedFiles = 256;
/// The derived max_connections never exceeds this: more than a member of the largest cluster
/// measured holds, and few enough that a flood of members' connections stays affordable.
constexpr std::size_t kMaxDerivedConnections = 4096;

/// How long accepting pauses when the process is out of descriptors.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

constexpr const char* kRefusalReason =
    "authentication failed: this cluster uses another secret (check --cookie-file / "
    "ELECTOR_COOKIE)";

/// The host part of "host:port" (the whole text when there is no port), so that one host's flood
/// of connections, each from its own port, is logged once.
std::string host_of(const std::string& remote) {
  const auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

}  // namespace

std::size_t connection_cap(std::size_t asked) {
  if (asked != 0) return asked;
  rlimit lim{};
  std::size_t files = 1024;  // the usual soft limit, if it cannot be read
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    files = lim.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::size_t>::max()
                                          : static_cast<std::size_t>(lim.rlim_cur);
  }
  // A tiny limit still leaves half of it to peers.
  const std::size_t room = files > 2 * kReservedFiles ? files - kReservedFiles : files / 2;
  return std::max<std::size_t>(1, std::min(room, kMaxDerivedConnections));
}

TcpChannel::TcpChannel(boost::asio::io_context& io, const TransportOptions& opt, Stats& stats,
                       Diagnostics& log, Upcalls up)
    : io_(io),
      opt_(opt),
      stats_(stats),
      log_(log),
      up_(std::move(up)),
      acceptor_(io),
      accept_retry_(io) {
  owner_.packet = [this](const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p) {
    on_packet(c, p);
  };
  owner_.closed = [this](const std::shared_ptr<Connection>& c) { on_closed(c); };
  owner_.oversized = [this](const std::shared_ptr<Connection>& c) { on_oversized(c); };
}

tcp::endpoint TcpChannel::listen(const tcp::endpoint& at) {
  boost::system::error_code ec;
  acceptor_.open(at.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(at, ec);
  if (ec) throw std::runtime_error("cannot listen on " + opt_.listen + " (tcp): " + ec.message());
  acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + opt_.listen + ": " + ec.message());
  return acceptor_.local_endpoint();
}

void TcpChannel::accept() {
  max_connections_ = connection_cap(opt_.max_connections);
  accept_next();
}

// ---- sending ----

void TcpChannel::send(const tcp::endpoint& to, const std::string& addr, const std::string& name,
                      std::size_t kind, Packet p) {
  // A TCP stream carries both ways: an answer to a request, or a follower's acknowledgement to
  // its leader, needs no connection of its own. When a crashed leader's hundreds of followers
  // campaign and vote, that halves the connections opened, accepted and greeted in the middle
  // of the failover.
  auto c = table_.usable_to(addr, name);
  if (!c) c = open_to(to, addr);
  const auto n = p->size();
  c->last_used = mono();
  if (!c->queue(std::move(p))) {
    stats_.drop(Drop::send_queue_full);
    return;
  }
  stats_.out(kind, n);
}

std::shared_ptr<Connection> TcpChannel::open_to(const tcp::endpoint& to, const std::string& addr) {
  auto c =
      std::make_shared<Connection>(tcp::socket(io_), true, addr, &owner_, opt_.max_queue_bytes);
  c->last_used = mono();
  c->limit_frames(opt_.first_frame_limit);  // until the peer's hello authenticates
  table_.add_outgoing(c);
  // The hello goes first, so that the peer knows who we are even before a message.
  c->queue(up_.seal(wire::PacketType::hello));
  c->socket().async_connect(to, [this, c](const boost::system::error_code& ec) {
    if (ec) {
      if (!c->closed()) stats_.drop(Drop::unreachable);
      c->close_now();
      return;
    }
    c->start();
  });
  return c;
}

void TcpChannel::say_goodbye(const std::shared_ptr<Connection>& c) {
  if (c->closed()) return;
  c->queue(up_.seal(wire::PacketType::goodbye));
  c->close_after_flush();
}

void TcpChannel::close_idle(Time now) {
  for (auto& c : table_.take_idle(now, opt_.idle_close)) say_goodbye(c);
}

// ---- accepting ----

void TcpChannel::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (stopping_) return;
    if (!ec) {
      admit(std::move(s));
    } else if (ec == boost::asio::error::no_descriptors ||
               ec == boost::system::errc::too_many_files_open_in_system) {
      log_.limited(LogLevel::error, "descriptors",
                   "out of file descriptors; raise the limit (ulimit -n)", mono());
      // Not at once: the connection stays in the backlog and the accept would fail again
      // straight away, round and round, until a descriptor is free.
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const boost::system::error_code& e) {
        if (!e && !stopping_) accept_next();
      });
      return;
    }
    accept_next();
  });
}

/// A connection a peer opened. Within the caps, it is held to first_frame_limit and must
/// authenticate a packet within auth_timeout; past max_connections it is closed before anything
/// is sent on it, so the peer learns nothing it could take for our death.
void TcpChannel::admit(tcp::socket s) {
  if (table_.size() >= max_connections_) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    s.close(ec);
    stats_.refuse(Refusal::connection_limit);
    const std::string host = ec ? std::string("?") : ep.address().to_string();
    log_.warn_limited("limit:" + host,
                      "refused a connection from " + host + ": " + std::to_string(table_.size()) +
                          " connections are open (max_connections)",
                      mono());
    return;
  }
  const std::size_t most = std::max<std::size_t>(1, opt_.max_unauthenticated);
  while (table_.awaiting() >= most) {
    give_up_oldest(Refusal::unauthenticated_limit,
                   std::to_string(table_.awaiting()) +
                       " connections were waiting to authenticate (max_unauthenticated)");
  }
  auto c = std::make_shared<Connection>(std::move(s), false, std::string(), &owner_,
                                        opt_.max_queue_bytes);
  c->last_used = mono();
  c->accepted_at = c->last_used;
  c->limit_frames(opt_.first_frame_limit);
  table_.add_accepted(c);
  c->queue(up_.seal(wire::PacketType::hello));
  c->start();
  if (table_.awaiting() == 1) up_.deadline_moved();
}

// ---- the time limit before authentication ----

Time TcpChannel::auth_deadline() const {
  const auto c = table_.oldest_awaiting();
  return c ? c->accepted_at + opt_.auth_timeout : kNever;
}

void TcpChannel::expire_unauthenticated(Time now) {
  while (table_.awaiting() > 0 && now >= auth_deadline()) {
    give_up_oldest(
        Refusal::auth_timeout,
        "no packet authenticated within " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(opt_.auth_timeout).count()) +
            " ms");
  }
}

/// Gives up the connection that has waited longest to authenticate, after reading what already
/// arrived on it: a member's hello that this process has not read yet (its loop was busy, or
/// the process stopped) still lets the connection in. Either way it stops waiting.
void TcpChannel::give_up_oldest(Refusal why, const std::string& text) {
  const auto c = table_.oldest_awaiting();
  c->read_now();
  if (c->awaiting_auth != 0) give_up(c, why, text);
}

/// Closes a connection that has not authenticated, with a goodbye: its peer may be a member
/// that has read our hello, and must not take the close for our death. Logs `text` (unless
/// empty) at most once per 10 s per host and reason: a flood comes from many ports.
void TcpChannel::give_up(const std::shared_ptr<Connection>& c, Refusal why,
                         const std::string& text) {
  forget_awaiting(*c);
  stats_.refuse(why);
  if (!text.empty()) {
    const std::string from = host_of(c->remote());
    log_.warn_limited(std::string(to_string(why)) + ":" + from,
                      "closed a connection from " + from + " before it authenticated: " + text,
                      mono());
  }
  if (!c->closing_by_us) say_goodbye(c);
}

void TcpChannel::forget_awaiting(Connection& c) {
  if (table_.forget_awaiting(c)) up_.deadline_moved();
}

// ---- receiving ----

void TcpChannel::on_packet(const std::shared_ptr<Connection>& c, std::span<const std::uint8_t> p) {
  auto opened = up_.open(p);
  if (const auto* drop = std::get_if<Drop>(&opened)) {
    if (*drop == Drop::unauthenticated) {
      log_.warn_limited(
          "auth:" + c->remote(),
          "refused a connection from " + c->remote() +
              ": a packet failed authentication (a node with another cluster secret?)",
          mono());
      if (!c->refusal_sent) {
        c->refusal_sent = true;
        c->queue(std::make_shared<const std::vector<std::uint8_t>>(
            wire::Authenticator::refusal(kRefusalReason)));
        c->close_after_flush();
      }
    }
    // The first packet of a connection a peer opened must authenticate (a failed MAC was
    // logged just above).
    if (c->awaiting_auth != 0) {
      give_up(c, Refusal::first_frame_refused,
              *drop == Drop::unauthenticated
                  ? std::string()
                  : std::string("its first packet was refused as ") + to_string(*drop));
    }
    return;
  }
  const auto& o = std::get<wire::Opened>(opened);
  if (o.type == wire::PacketType::refused) {
    // Never authenticated (anyone can send one): it does not let a connection in.
    const std::string reason(o.payload.begin(), o.payload.end());
    std::string where = c->outgoing() ? c->key() : c->remote();
    log_.warn_limited("refused:" + where, where + " refused our packets: " + reason, mono());
    if (c->awaiting_auth != 0) {
      give_up(c, Refusal::first_frame_refused, "its first packet was a refusal");
    }
    return;
  }
  if (!c->authenticated) {
    // From a member: the wire's own limits apply from now on.
    c->authenticated = true;
    c->limit_frames(wire::kMaxPacket);
    forget_awaiting(*c);
  }
  switch (o.type) {
    case wire::PacketType::refused:
      return;  // handled above
    case wire::PacketType::hello:
      c->peer = o.from;
      if (!c->outgoing()) table_.name_incoming(o.from.name, c);
      return;
    case wire::PacketType::goodbye:
      c->peer_said_goodbye = true;
      return;
    case wire::PacketType::message:
      break;
  }
  if (!c->peer) {
    c->peer = o.from;
    if (!c->outgoing()) table_.name_incoming(o.from.name, c);
  }
  // Traffic either way keeps a connection from being closed as idle: the peer may be
  // answering on ours.
  c->last_used = mono();
  up_.deliver(o.payload, p.size());
}

void TcpChannel::on_oversized(const std::shared_ptr<Connection>& c) {
  stats_.drop(Drop::oversized);
  if (c->authenticated) {
    say_goodbye(c);
    return;
  }
  give_up(c, Refusal::first_frame_oversized,
          "its first frame was longer than the " + std::to_string(opt_.first_frame_limit) +
              " bytes allowed before authentication");
}

void TcpChannel::on_closed(const std::shared_ptr<Connection>& c) {
  forget_awaiting(*c);
  table_.remove(c);
  if (stopping_ || c->closing_by_us || c->peer_said_goodbye || !c->peer) return;
  // The peer's process closed without a goodbye: it died (or was killed).
  if (up_.peer_gone) up_.peer_gone(c->peer->name, c->peer->boot);
}

// ---- stopping ----

void TcpChannel::begin_stop() {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_retry_.cancel();
  for (auto& c : table_.all()) say_goodbye(c);
}

void TcpChannel::close_all() {
  for (auto& c : table_.all()) {
    c->closing_by_us = true;
    c->close_now();
  }
}

}  // namespace elector::net
