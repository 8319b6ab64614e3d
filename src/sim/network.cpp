#include "sim/cluster_internal.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "wire/codec.hpp"

namespace elector::sim {

Duration Cluster::latency() {
  if (opt_.delivery == Delivery::instant) return Duration::zero();
  return Duration(rng_.between(latency_min_.count(), latency_max_.count()));
}

void Cluster::set_latency(Duration min, Duration max) {
  latency_min_ = min;
  latency_max_ = std::max(min, max);
}

bool Cluster::reachable(int from, int to) const {
  const auto f = static_cast<std::size_t>(from);
  const auto t = static_cast<std::size_t>(to);
  if (group_[f] != group_[t]) return false;
  for (const auto& [id, cut] : one_way_) {
    const auto& [senders, receivers] = cut;
    if (senders[f] && receivers[t]) return false;
  }
  return true;
}

void Cluster::send(SimNode& from, core::Outgoing msg) {
  ++stats_.messages;
  ++stats_.by_kind[core::body_name(msg.env.body)];
  if (msg.route == core::Route::datagram) ++stats_.datagrams;
  std::uint64_t logged = 0;
  if (logging_) {
    logged = log_base_ + log_.size();
    log_.push_back(LoggedMessage{now_, from.name, msg, false});
  }
  auto it = by_addr_.find(msg.to_addr);
  const bool random = opt_.delivery == Delivery::latency;
  if (it == by_addr_.end()) {
    ++stats_.dropped;
    return;
  }
  const bool stream = msg.route != core::Route::datagram;
  const bool retransmit = stream && opt_.stream_retransmit;
  // Over a retransmitting stream a loss is a delay, drawn below.
  const bool lost = random && !retransmit && rng_.chance(loss_);
  if (!reachable(from.index, it->second)) {
    ++stats_.dropped;
    return;
  }
  // Both ways: a stream copy and a datagram copy, each lost and delayed on its own; the
  // receiver keeps the first.
  const bool both = msg.route == core::Route::both;
  if (both) ++stats_.datagrams;
  const bool datagram_copy = both && !(random && rng_.chance(loss_));
  const int copies = (lost ? 0 : 1) + (datagram_copy ? 1 : 0);
  stats_.dropped += static_cast<std::uint64_t>((both ? 2 : 1) - copies);
  if (copies == 0) return;
  if (stream && !lost) {
    from.streams[it->second] = now_;
    nodes_[static_cast<std::size_t>(it->second)]->streams[from.index] = now_;
  }
  std::vector<std::uint8_t> bytes;
  wire::encode(msg.env, bytes);
  for (int c = 0; c < copies; ++c) {
    Item d;
    d.at = now_ + latency();
    // The first copy is the stream's, unless that one was lost.
    if (c == 0 && retransmit && !lost) {
      // Each loss of the segment costs a retransmission timeout, doubled the next time; what
      // was sent after it on this connection waits for it.
      Duration rto = opt_.stream_rto;
      while (random && rng_.chance(loss_)) {
        d.at += rto;
        rto *= 2;
      }
      Time& tail = from.stream_tail[it->second];
      d.at = std::max(d.at, tail);
      tail = d.at;
    }
    d.kind = Item::Kind::deliver;
    d.node = it->second;
    d.from = from.index;
    d.logged = logged;
    d.wire = c + 1 < copies ? bytes : std::move(bytes);
    push(std::move(d));
  }
}

bool Cluster::still_open(Time last_use) const {
  return opt_.stream_idle_close <= Duration::zero() || now_ - last_use <= opt_.stream_idle_close;
}

std::unordered_map<int, Time> Cluster::close_streams(SimNode& n) {
  std::unordered_map<int, Time> streams;
  streams.swap(n.streams);
  n.stream_tail.clear();
  for (const auto& [peer, last] : streams) {
    nodes_[static_cast<std::size_t>(peer)]->streams.erase(n.index);
    nodes_[static_cast<std::size_t>(peer)]->stream_tail.erase(n.index);
  }
  return streams;
}

void Cluster::partition(const std::vector<std::vector<std::string>>& groups) {
  std::fill(group_.begin(), group_.end(), 0);
  int g = 1;
  for (const auto& grp : groups) {
    for (const auto& name : grp) group_[static_cast<std::size_t>(at(name).index)] = g;
    ++g;
  }
}

int Cluster::cut_one_way(const std::vector<std::string>& from, const std::vector<std::string>& to) {
  std::vector<char> senders(nodes_.size(), 0);
  std::vector<char> receivers(nodes_.size(), 0);
  for (const auto& name : from) senders[static_cast<std::size_t>(at(name).index)] = 1;
  for (const auto& name : to) receivers[static_cast<std::size_t>(at(name).index)] = 1;
  one_way_.emplace(next_cut_, std::make_pair(std::move(senders), std::move(receivers)));
  return next_cut_++;
}

void Cluster::isolate(const std::string& name) {
  // A group number no partition() uses: partition() numbers its groups from 1 up.
  const int index = at(name).index;
  group_[static_cast<std::size_t>(index)] = -1 - index;
}

void Cluster::rejoin(const std::string& name) {
  group_[static_cast<std::size_t>(at(name).index)] = 0;
}

void Cluster::set_no_gossip_to(const std::string& name, bool on) {
  at(name).no_gossip = on;
}

void Cluster::clear_message_log() {
  log_base_ += log_.size();
  log_.clear();
}

void Cluster::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  one_way_.clear();
}

std::vector<std::string> Cluster::connected(const std::string& name) const {
  std::vector<std::string> peers;
  const SimNode* n = find(name);
  if (!n) return peers;
  for (const auto& [peer, last] : n->streams) {
    if (still_open(last)) peers.push_back(names_[static_cast<std::size_t>(peer)]);
  }
  std::sort(peers.begin(), peers.end());
  return peers;
}
void Cluster::deliver(SimNode& to, const Item& it) {
  auto decoded = wire::decode(it.wire);
  const std::string& from = names_[static_cast<std::size_t>(it.from)];
  if (const auto* err = std::get_if<wire::DecodeError>(&decoded)) {
    // The encoder wrote these bytes and nothing changed them: a codec bug, not a network fault.
    ++stats_.dropped;
    inv_.fail(now_, "a message from " + from + " to " + to.name + " (" +
                        std::to_string(it.wire.size()) +
                        " bytes) does not decode: " + wire::to_string(*err));
    return;
  }
  core::Envelope& env = std::get<core::Envelope>(decoded);
  if (to.no_gossip) env.gossip.clear();
  if (it.logged >= log_base_ && it.logged - log_base_ < log_.size()) {
    log_[it.logged - log_base_].delivered = true;
  }
  ++stats_.delivered;
  if (message_observer_) message_observer_(from, to.name, env);
  process(to, [&](core::NodeCore& c) { c.receive(local(to), env); });
}

}  // namespace elector::sim
