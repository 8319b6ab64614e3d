#include "net/router.hpp"

#include <string>
#include <utility>

#include "net/clock.hpp"
#include "wire/codec.hpp"

namespace elector::net {

namespace {

Drop drop_of(wire::OpenError e) {
  switch (e) {
    case wire::OpenError::truncated:
      return Drop::truncated;
    case wire::OpenError::malformed:
      return Drop::malformed;
    case wire::OpenError::oversized:
      return Drop::oversized;
    case wire::OpenError::unauthenticated:
      return Drop::unauthenticated;
    case wire::OpenError::replayed:
      return Drop::replayed;
    case wire::OpenError::stale:
      return Drop::stale;
  }
  return Drop::malformed;
}

Drop drop_of(wire::DecodeError e) {
  switch (e) {
    case wire::DecodeError::truncated:
      return Drop::truncated;
    case wire::DecodeError::malformed:
      return Drop::malformed;
    case wire::DecodeError::oversized:
      return Drop::oversized;
    case wire::DecodeError::unknown_kind:
      return Drop::unknown_kind;
  }
  return Drop::malformed;
}

}  // namespace

Channel channel_for(core::Route route, std::size_t sealed_bytes, std::size_t max_datagram) {
  return route == core::Route::datagram && sealed_bytes <= max_datagram ? Channel::udp
                                                                        : Channel::tcp;
}

Router::Router(const TransportOptions& opt, Stats& stats, Diagnostics& log, AddressBook& addresses,
               UdpChannel& udp, TcpChannel& tcp, Upcalls up)
    : opt_(opt),
      stats_(stats),
      log_(log),
      addresses_(addresses),
      udp_(udp),
      tcp_(tcp),
      up_(std::move(up)),
      auth_(opt_.insecure ? wire::Authenticator::insecure(opt_.replay_window_ms)
                          : wire::Authenticator::with_secret(opt_.secret, opt_.replay_window_ms)) {
  addresses_.on_lookup_done([this](const std::string& addr) { lookup_done(addr); });
}

Router::Packet Router::seal(wire::PacketType type, std::span<const std::uint8_t> payload) {
  return std::make_shared<const std::vector<std::uint8_t>>(
      auth_.seal(type, wire::Identity{opt_.name, opt_.boot}, payload, wall_ms()));
}

void Router::send(const core::Outgoing& m) {
  if (stopping_ && !std::holds_alternative<core::Leave>(m.env.body) &&
      !std::holds_alternative<core::Resign>(m.env.body)) {
    return;
  }
  bool literal = false;
  const auto eps = addresses_.resolve(m.to_addr, mono(), &literal);
  if (eps.empty()) {
    if (!addresses_.pending(m.to_addr)) {
      stats_.drop(Drop::unreachable);
      return;
    }
    auto it = pending_.find(m.to_addr);
    if (it == pending_.end() && pending_.size() >= kPendingAddresses) {
      stats_.drop(Drop::unreachable);
      return;
    }
    auto& waiting = pending_[m.to_addr];
    if (waiting.size() >= kPendingPerAddress) {
      stats_.drop(Drop::unreachable);
      return;
    }
    waiting.push_back(m);
    return;
  }
  if (!m.to_name.empty() || eps.size() == 1) {
    // A literal keeps its own spelling as the connection's address; a name's endpoint is named
    // by itself, since the name's records may change under a connection.
    send_to(m, eps.front(),
            literal ? m.to_addr
                    : join_host_port(eps.front().address().to_string(), eps.front().port()));
    return;
  }
  // Forgotten all at once past a bound, before the reference below is taken.
  if (seed_turn_.size() >= kPendingAddresses * 16) seed_turn_.clear();
  std::size_t& turn = seed_turn_[m.to_addr];
  const std::size_t n = std::min(eps.size(), kSeedFanout);
  // send_to() resolves nothing, so `eps` stays valid through the loop.
  for (std::size_t i = 0; i < n; ++i) {
    const auto& ep = eps[(turn + i) % eps.size()];
    send_to(m, ep, join_host_port(ep.address().to_string(), ep.port()));
  }
  turn = (turn + n) % eps.size();
}

void Router::send_to(const core::Outgoing& m, const boost::asio::ip::tcp::endpoint& ep,
                     const std::string& addr) {
  encode_buf_.clear();
  wire::encode(m.env, encode_buf_);
  if (!last_sealed_ || encode_buf_ != last_encoded_ || !sealed_for_.insert(ep).second) {
    last_sealed_ = seal(wire::PacketType::message, encode_buf_);
    last_encoded_.swap(encode_buf_);
    sealed_for_.clear();
    sealed_for_.insert(ep);
  }
  const std::size_t kind = m.env.body.index();
  if (m.route == core::Route::both && last_sealed_->size() <= opt_.max_datagram) {
    // The datagram copy is sealed on its own: the receiver refuses a sequence number twice.
    udp_.send(ep, kind, seal(wire::PacketType::message, last_encoded_));
  }
  switch (channel_for(m.route, last_sealed_->size(), opt_.max_datagram)) {
    case Channel::udp:
      udp_.send(ep, kind, last_sealed_);
      return;
    case Channel::tcp:
      tcp_.send(ep, addr, m.to_name, kind, last_sealed_);
      return;
  }
}

void Router::lookup_done(const std::string& addr) {
  auto it = pending_.find(addr);
  if (it == pending_.end()) return;
  auto waiting = std::move(it->second);
  pending_.erase(it);
  for (const auto& m : waiting) {
    send(m);
  }
}

std::variant<Drop, wire::Opened> Router::open(std::span<const std::uint8_t> p) {
  auto opened = auth_.open(p, wall_ms());
  if (const auto* err = std::get_if<wire::OpenError>(&opened)) {
    const Drop d = drop_of(*err);
    stats_.drop(d);
    return d;
  }
  return std::get<wire::Opened>(opened);
}

void Router::deliver(std::span<const std::uint8_t> payload, std::size_t wire_bytes) {
  if (up_.on_arrival) up_.on_arrival();
  auto decoded = wire::decode(payload);
  if (const auto* err = std::get_if<wire::DecodeError>(&decoded)) {
    stats_.drop(drop_of(*err));
    return;
  }
  auto& env = std::get<core::Envelope>(decoded);
  stats_.in(env.body.index(), wire_bytes);
  if (up_.on_message) up_.on_message(std::move(env));
}

void Router::on_datagram(std::span<const std::uint8_t> p,
                         const boost::asio::ip::udp::endpoint& from) {
  auto opened = open(p);
  if (const auto* drop = std::get_if<Drop>(&opened)) {
    if (*drop == Drop::unauthenticated) {
      const std::string where = join_host_port(from.address().to_string(), from.port());
      log_.warn_limited("auth:" + where,
                        "dropped a datagram from " + where +
                            " that failed authentication (another cluster secret?)",
                        mono());
    }
    return;
  }
  const auto& o = std::get<wire::Opened>(opened);
  if (o.type != wire::PacketType::message) return;
  deliver(o.payload, p.size());
}

void Router::forget_idle() {
  auth_.forget_idle(wall_ms(), 10 * 60 * 1000);
}

}  // namespace elector::net
