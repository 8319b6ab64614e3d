#include "core/node_core.hpp"

namespace elector::core {

namespace {
/// What election_settings_hash() covers, as values a member can be told.
ElectionSettings election_settings(const Config& cfg) {
  const auto strategy = strategy_of(cfg);
  return ElectionSettings{strategy ? std::string(strategy->name()) : cfg.strategy,
                          cfg.quorum_size,
                          cfg.election_delay,
                          cfg.heartbeat_interval,
                          cfg.hooks_execution,
                          cfg.automatic_elections};
}

MemberUpdate self_update(const Config& cfg, std::uint64_t boot, std::uint64_t hash) {
  MemberUpdate u;
  u.name = cfg.name;
  u.addr = cfg.listen;
  u.boot = boot;
  u.meta = MemberMeta{cfg.priority, cfg.candidate_node, hash, cfg.control};
  return u;
}
}  // namespace

NodeCore::NodeCore(const Config& cfg, std::uint64_t boot, std::uint64_t seed, Time now, Past past,
                   std::shared_ptr<MemberDirectory> directory)
    : cfg_(cfg),
      boot_(boot),
      settings_hash_(election_settings_hash(cfg)),
      settings_(election_settings(cfg)),
      rng_(seed),
      membership_(cfg.membership, self_update(cfg, boot, settings_hash_), now, rng_,
                  std::move(directory)),
      election_(cfg, strategy_of(cfg), settings_hash_, past, now, rng_) {
  election_.use_directory(membership_.directory());
}

void NodeCore::start(Time now) {
  membership_.start(now, cfg_.seeds, out_);
  election_.start(now, out_);
  after(now);
}

void NodeCore::receive(Time now, const Envelope& env) {
  if (stopped_) return;
  const MemberUpdate& from = env.header.self;
  if (from.name == cfg_.name) return;
  if (from.meta.settings_hash != settings_hash_) {
    // Our messages to it carry our settings from now on, so that it can say what differs; it
    // is reported once its own tell us what.
    mismatched_.insert(from.name);
    if (env.header.settings && mismatch_reported_.insert(from.name).second) {
      const ElectionSettings& theirs = *env.header.settings;
      out_.events.emplace_back(
          SettingsMismatch{from.name, differences(theirs, settings_), theirs, settings_});
    }
  } else if (!mismatched_.empty()) {
    mismatched_.erase(from.name);  // restarted with our settings
  }
  election_.learn_term(env.header.term);
  membership_.on_envelope(now, env, env.header.runtime_ms, out_);
  after(now);  // the election sees membership changes before the message itself
  election_.on_envelope(now, env, membership_, out_);
  after(now);
}

void NodeCore::tick(Time now) {
  if (stopped_) return;
  membership_.tick(now, out_);
  after(now);
  election_.tick(now, membership_, out_);
  after(now);
}

void NodeCore::peer_gone(Time now, const std::string& name, std::uint64_t boot) {
  if (stopped_) return;
  membership_.peer_gone(now, name, boot, out_);
  after(now);
  election_.on_peer_gone(now, name, boot, membership_, out_);
  after(now);
}

ElectOutcome NodeCore::elect(Time now) {
  const ElectOutcome r = election_.elect(now, membership_, out_);
  after(now);
  return r;
}

void NodeCore::clear_leader(Time now) {
  election_.clear_leader(now, membership_, out_);
  after(now);
}

void NodeCore::stop(Time now) {
  if (stopped_) return;
  election_.stop(now, membership_, out_);
  after(now);  // the handover goes out under our alive record, before the leave
  std::vector<std::string> first;
  if (election_.leader() && *election_.leader() != cfg_.name) first.push_back(*election_.leader());
  membership_.leave(now, first, out_);
  after(now);
  stopped_ = true;
}

void NodeCore::set_runtime_ms(std::int64_t v) {
  runtime_ms_ = v;
  election_.set_runtime_ms(v);
}

void NodeCore::after(Time now) {
  last_now_ = std::max(last_now_, now);
  // Membership changes found in this step drive the election (joins and leaves trigger
  // elections; a leader whose process is gone releases its supporters). Joins and departures
  // come first, in the order they happened, then refuted suspicions: a leader weighs a member
  // that is alive again against a view that already holds the step's joins and departures.
  const std::vector<MemberChange> changes = std::move(out_.changes);
  out_.changes.clear();
  for (const MemberChange& c : changes) {
    if (c.kind != MemberChange::Kind::alive_again) {
      election_.on_member_change(now, c, membership_, out_);
    }
  }
  for (const MemberChange& c : changes) {
    if (c.kind == MemberChange::Kind::alive_again) {
      election_.on_member_change(now, c, membership_, out_);
    }
  }
  // Who detects failures: a far follower of a live leader leaves it to the leader, which then
  // watches every member's silence (docs/design.md §3).
  membership_.set_probing(now, !election_.probing_delegated(now));
  membership_.set_followed(election_.leader());
  membership_.watch_silence(now, election_.silence_limit(membership_));
  if (out_.msgs.empty()) return;
  Header h;
  h.self = membership_.self_record(now);
  h.runtime_ms = runtime_ms_;
  h.term = election_.max_term();
  for (auto& m : out_.msgs) {
    Envelope env;
    env.header = h;
    // A seed may not know us yet: a join tells it our settings too.
    if (m.to_name.empty() || (!mismatched_.empty() && mismatched_.count(m.to_name) > 0)) {
      env.header.settings = settings_;
    }
    env.body = std::move(m.body);
    if (auto* pp = std::get_if<PushPull>(&env.body)) election_.fill(*pp);
    env.gossip = membership_.take_gossip();
    ready_.messages.push_back(
        Outgoing{std::move(m.to_name), std::move(m.to_addr), std::move(env), m.route});
  }
  // A broadcast to every member (a leader's heartbeat round) leaves a big buffer: not kept.
  if (out_.msgs.capacity() > 64) {
    std::vector<Outbox::Msg>().swap(out_.msgs);
  } else {
    out_.msgs.clear();
  }
}

Ready NodeCore::take_ready() {
  ready_.save = election_.take_save(last_now_);
  for (auto& e : out_.events) ready_.events.push_back(std::move(e));
  for (auto& hk : out_.hooks) ready_.hooks.push_back(std::move(hk));
  // Released, not cleared: a step that applied a full state of N members reported N joins, and
  // a buffer kept for that by each of N simulated nodes held N² events.
  std::vector<Event>().swap(out_.events);
  out_.hooks.clear();
  Ready r = std::move(ready_);
  ready_ = Ready{};
  return r;
}

void NodeCore::saved(Time now, bool ok) {
  election_.saved(now, ok, membership_, out_);
  after(now);
}

Time NodeCore::next_wakeup() const {
  if (stopped_) return kNever;
  return std::min(membership_.next_wakeup(), election_.next_wakeup());
}

std::vector<MemberView> NodeCore::members() const {
  std::vector<MemberView> v;
  for (const auto& [name, m] : membership_.members()) {
    v.push_back(MemberView{name, m.addr(), m.status, m.meta().priority, m.meta().candidate,
                           m.meta().settings_hash == settings_hash_, m.meta().control});
  }
  return v;
}

}  // namespace elector::core
