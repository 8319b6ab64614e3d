#include "sim/injector.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "core/rng.hpp"

namespace elector::sim {
namespace {

/// The injector's state. Its actions are items in the cluster's own queue, so a fault aimed at
/// an event happens at the simulated instant chosen, among the other items; the items still
/// queued when the fault phase ends hold it alive but do nothing.
class Injector {
 public:
  Injector(Cluster& c, std::uint64_t seed, FaultProfile prof, Time end)
      : c_(c),
        rng_(seed ^ 0xfa17fa17fa17fa17ULL),
        prof_(std::move(prof)),
        end_(end),
        t_(c.options().base.heartbeat_interval) {}

  static void run(const std::shared_ptr<Injector>& self) {
    Injector& in = *self;
    in.log_.lines.push_back(in.prof_.describe());
    for (const auto& name : in.c_.names()) {
      const Clock& k = in.c_.clock(name);
      if (k.rate_ppm != Clock{}.rate_ppm || k.offset != Duration::zero()) {
        in.log_.lines.push_back("clock " + name + " " + k.describe());
      }
    }
    const std::weak_ptr<Injector> weak = self;
    if (in.prof_.after_election > 0 || in.prof_.after_campaign > 0) {
      in.c_.set_observer([weak](const std::string& node, const Event& e) {
        if (auto s = weak.lock()) s->observe(s, node, e);
      });
      in.c_.set_message_observer(
          [weak](const std::string& from, const std::string& to, const core::Envelope& env) {
            if (auto s = weak.lock()) s->on_message(s, from, to, env);
          });
    }
    in.schedule_next(self);
    in.c_.run_until(in.end_);
    in.active_ = false;
    in.c_.set_observer(nullptr);
    in.c_.set_message_observer(nullptr);
  }

  FaultLog log_;

 private:
  void note(const std::string& what) {
    log_.lines.push_back("t=" + std::to_string(to_ms(c_.now() - Cluster::epoch())) + "ms " + what);
  }

  /// Runs `fn` at `t` if the fault phase still lasts then.
  void at(const std::shared_ptr<Injector>& self, Time t, std::function<void()> fn) {
    c_.call_at(t, [self, fn = std::move(fn)] {
      if (self->active_) fn();
    });
  }

  Duration outage() { return Duration(rng_.between(ms(20).count(), prof_.max_outage.count())); }

  void schedule_next(const std::shared_ptr<Injector>& self) {
    const Time next =
        c_.now() + Duration(rng_.between(prof_.min_gap.count(), prof_.max_gap.count()));
    if (next >= end_) return;
    at(self, next, [this, self] {
      schedule_next(self);
      ++log_.faults;
      const std::string n = pick();
      inject(self, draw_kind(), n, std::nullopt, "");
    });
  }

  const std::string& pick() { return c_.names()[rng_.below(c_.names().size())]; }

  /// A node other than `but` (any node when the cluster has one).
  std::string pick_other(const std::string& but) {
    const auto& names = c_.names();
    if (names.size() < 2) return names.front();
    std::string n = but;
    while (n == but) n = pick();
    return n;
  }

  enum class Class { any, node, network };

  static bool in(FaultKind k, Class c) {
    const bool network = k == FaultKind::partition || k == FaultKind::one_way ||
                         k == FaultKind::loss || k == FaultKind::latency;
    return c == Class::any || network == (c == Class::network);
  }

  /// A kind drawn by the weights, among those of class `c` (any kind if none of them is on).
  FaultKind draw_kind(Class c = Class::any) {
    auto weight = [&](std::size_t k) {
      return in(static_cast<FaultKind>(k), c) ? prof_.weight[k] : 0;
    };
    int total = 0;
    for (std::size_t k = 0; k < kFaultKinds; ++k) total += weight(k);
    if (total == 0) return draw_kind();
    auto r = static_cast<int>(rng_.below(static_cast<std::uint64_t>(total)));
    for (std::size_t k = 0; k < kFaultKinds; ++k) {
      if (r < weight(k)) return static_cast<FaultKind>(k);
      r -= weight(k);
    }
    return FaultKind::loss;  // not reached: the weights sum to `total`
  }

  /// Who granted each candidate a real vote in its latest term (as delivered to it).
  void count_vote(const std::string& from, const std::string& to, const core::Envelope& env) {
    auto latest = [this](const std::string& candidate, std::uint64_t term) -> Campaign& {
      Campaign& c = campaigns_[candidate];
      if (c.term != term) c = Campaign{term, {}, {}};
      return c;
    };
    if (const auto* q = std::get_if<core::VoteReq>(&env.body)) {
      latest(from, q->term).length = ms(static_cast<std::int64_t>(q->campaign_ms));
    } else if (const auto* r = std::get_if<core::VoteResp>(&env.body); r && !r->pre && r->granted) {
      latest(to, r->term).voters.insert(from);
    }
  }

  /// One of the nodes that voted for `leader`'s winning campaign (of term `term`), else any
  /// other node.
  std::string pick_voter(const std::string& leader, std::uint64_t term) {
    const auto it = campaigns_.find(leader);
    if (it == campaigns_.end() || it->second.term != term || it->second.voters.empty()) {
      return pick_other(leader);
    }
    const auto& voters = it->second.voters;
    return *std::next(voters.begin(), static_cast<std::ptrdiff_t>(rng_.below(voters.size())));
  }

  /// A delay in [0, window], early ones likelier (the square of a uniform draw: half of them in
  /// the first quarter): what a fault aimed at an election hits changes fast after it.
  Duration soon(Duration window) {
    const auto u = rng_.between(0, 1 << 16);
    return Duration(((window.count() >> 16) * u * u) >> 16);
  }

  /// Reacts to a leadership won: maybe faults aimed at it.
  void observe(const std::shared_ptr<Injector>& self, const std::string& node, const Event& e) {
    if (!active_ || c_.now() >= end_) return;
    if (const auto* won = std::get_if<LeadershipAcquired>(&e)) {
      if (prof_.after_election <= 0 || !rng_.chance(prof_.after_election)) return;
      const auto n = rng_.between(1, prof_.aimed_burst);
      // Within react_within, or while the winning campaign's votes bind its voters: they are
      // bound for its length + T, and a longer campaign follows campaigns that timed out.
      const auto c = campaigns_.find(node);
      const Duration window = std::max(
          prof_.react_within,
          c != campaigns_.end() && c->second.term == won->term ? c->second.length : Duration{});
      // Node faults and network faults by turns: a node fault hits one of the winner's voters
      // (a voter that restarts within its binding is what the quiet period is for), a network
      // fault cuts the winner off with a minority.
      bool network = rng_.chance(0.5);
      for (std::int64_t i = 0; i < n; ++i, network = !network) {
        const std::string target = pick_voter(node, won->term);
        aim(self, c_.now() + soon(window), node, target, network ? Class::network : Class::node,
            "after-election(" + node + ") ");
      }
    }
  }

  /// Whether a (pre-)vote request from `candidate` starts a round of asking: another term or
  /// round than its last request, or the first after a pause of 2T (a campaign asks its first
  /// wave at once and the rest T later).
  bool campaign_starts(const std::string& candidate, std::uint64_t term, bool pre) {
    const auto [it, fresh] = asking_.try_emplace(candidate, Asking{term, pre, c_.now()});
    Asking& a = it->second;
    const bool starts = fresh || a.term != term || a.pre != pre || c_.now() - a.last >= 2 * t_;
    a = Asking{term, pre, c_.now()};
    return starts;
  }

  /// Counts votes, and reacts to a campaign's first request: maybe a burst that stretches it.
  void on_message(const std::shared_ptr<Injector>& self, const std::string& from,
                  const std::string& to, const core::Envelope& env) {
    count_vote(from, to, env);
    if (!active_ || c_.now() >= end_ || prof_.after_campaign <= 0) return;
    std::optional<std::pair<std::uint64_t, bool>> request;
    if (const auto* p = std::get_if<core::PreVoteReq>(&env.body)) request = {p->term, true};
    if (const auto* v = std::get_if<core::VoteReq>(&env.body)) request = {v->term, false};
    if (!request || !campaign_starts(from, request->first, request->second)) return;
    // One at a time: a cluster in trouble campaigns again and again.
    if (campaign_aimed_ || !rng_.chance(prof_.after_campaign)) return;
    campaign_aimed_ = true;
    stretch(self, from);
  }

  /// Makes the campaign `node` just started likely to time out, so that its next one is longer
  /// (docs/design.md §4, campaign length): within T/2, while it still waits for its answers,
  /// every message takes T to 2.5T (an answer then comes back after 2T to 5T), or 30-90 % of
  /// them are lost, for T to 6T.
  void stretch(const std::shared_ptr<Injector>& self, const std::string& node) {
    const Time when = c_.now() + Duration(rng_.between(0, (t_ / 2).count()));
    at(self, when, [this, self, node] {
      campaign_aimed_ = false;
      ++log_.faults;
      const Duration lasts = Duration(rng_.between(t_.count(), (6 * t_).count()));
      const std::string tag = "after-campaign(" + node + ") ";
      const std::string span = " for " + std::to_string(to_ms(lasts)) + "ms";
      if (rng_.chance(0.5)) {
        note(tag + "latency " + std::to_string(to_ms(t_)) + "-" +
             std::to_string(to_ms(t_ * 5 / 2)) + "ms" + span);
        c_.set_latency(t_, t_ * 5 / 2);
        at(self, c_.now() + lasts, [this] {
          note("latency normal");
          c_.set_latency(c_.options().latency_min, c_.options().latency_max);
        });
      } else {
        const auto pct = rng_.between(30, 90);
        note(tag + "loss " + std::to_string(pct) + "%" + span);
        c_.set_loss(static_cast<double>(pct) / 100.0);
        at(self, c_.now() + lasts, [this] {
          note("loss 0%");
          c_.set_loss(0);
        });
      }
    });
  }

  /// A fault of class `c` drawn by the weights at `when`: `node` on the first side of a
  /// partition, `target` hit by a node fault.
  void aim(const std::shared_ptr<Injector>& self, Time when, const std::string& node,
           const std::string& target, Class c, const std::string& tag) {
    at(self, when, [this, self, node, target, c, tag] {
      ++log_.faults;
      inject(self, draw_kind(c), target, node, tag);
    });
  }

  /// Two groups. Around a new leader (`anchor`): it and a minority, the first side of a size
  /// drawn in [1, (N-1)/2], cut off from the majority (Jepsen's "partition the leader": the
  /// majority elects while the leader may still hold its lease). Otherwise by a coin per node,
  /// or a first side of a size drawn in [1, N-1] (see FaultProfile::split_by_size).
  std::pair<std::vector<std::string>, std::vector<std::string>> split(
      const std::optional<std::string>& anchor) {
    const auto& names = c_.names();
    std::vector<std::string> a, rest;
    if (!anchor && (!prof_.split_by_size || names.size() < 2)) {
      for (const auto& x : names) (rng_.chance(0.5) ? a : rest).push_back(x);
      return {a, rest};
    }
    for (const auto& x : names) {
      if (!(anchor && x == *anchor)) rest.push_back(x);
    }
    if (anchor) a.push_back(*anchor);
    const std::size_t most = anchor ? std::max<std::size_t>(1, (names.size() - 1) / 2)
                                    : std::max<std::size_t>(1, names.size() - 1);
    const std::size_t size = 1 + rng_.below(most);
    while (a.size() < size && !rest.empty()) {
      const std::size_t i = rng_.below(rest.size());
      a.push_back(rest[i]);
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    }
    std::sort(a.begin(), a.end());
    return {a, rest};
  }

  void inject(const std::shared_ptr<Injector>& self, FaultKind kind, const std::string& n,
              const std::optional<std::string>& anchor, const std::string& tag) {
    auto restart_at = [&](Duration d, const char* verb) {
      at(self, c_.now() + d, [this, n, verb] {
        note(std::string(verb) + " " + n);
        if (!c_.running(n)) c_.start(n);
      });
    };
    switch (kind) {
      case FaultKind::crash:
      case FaultKind::crash_silent: {
        if (!c_.running(n)) break;
        const bool signal = kind == FaultKind::crash;
        note(tag + (signal ? "crash " : "crash-silent ") + n);
        c_.crash(n, signal);
        restart_at(outage(), "restart");
        break;
      }
      case FaultKind::restart: {
        if (!c_.running(n)) break;
        const bool signal = rng_.chance(0.5);
        const Duration down = Duration(rng_.between(ms(1).count(), prof_.max_down.count()));
        note(tag + "crash-restart " + n + (signal ? "" : " (silent)") + " down " +
             std::to_string(to_ms(down)) + "ms");
        c_.crash(n, signal);
        restart_at(down, "up");
        break;
      }
      case FaultKind::freeze: {
        if (!c_.running(n) || c_.frozen(n)) break;
        note(tag + "freeze " + n);
        c_.freeze(n);
        at(self, c_.now() + outage(), [this, n] {
          note("thaw " + n);
          c_.thaw(n);
        });
        break;
      }
      case FaultKind::freeze_many: {
        const auto& names = c_.names();
        const std::size_t k = 2 + rng_.below(std::max<std::size_t>(names.size(), 2) - 1);
        std::vector<std::string> frozen;
        for (std::size_t i = 0; i < k; ++i) {
          const std::string& x = pick();
          if (!c_.running(x) || c_.frozen(x)) continue;
          c_.freeze(x);
          frozen.push_back(x);
        }
        if (frozen.empty()) break;
        std::string who;
        for (const auto& x : frozen) who += " " + x;
        note(tag + "freeze" + who);
        at(self, c_.now() + outage(), [this, frozen, who] {
          note("thaw" + who);
          for (const auto& x : frozen) c_.thaw(x);
        });
        break;
      }
      case FaultKind::stop: {
        if (!c_.running(n) || c_.frozen(n)) break;
        note(tag + "stop " + n);
        c_.stop(n);
        restart_at(outage(), "start");
        break;
      }
      case FaultKind::partition:
      case FaultKind::one_way: {
        auto [a, b] = split(anchor);
        if ((kind == FaultKind::one_way || prof_.separate_cuts) && (a.empty() || b.empty())) break;
        std::string sides;
        for (const auto& x : a) sides += (sides.empty() ? "" : ",") + x;
        sides += kind == FaultKind::partition ? " | " : " -/-> ";
        for (const auto& x : b) sides += (sides.back() == ' ' ? "" : ",") + x;
        // One aimed at a new leader lasts long enough for the others to give it up (4T).
        const Duration lasts = anchor ? std::max(4 * t_, outage()) + t_ : outage();
        if (kind == FaultKind::partition) {
          note(tag + "partition " + std::to_string(a.size()) + "/" + std::to_string(b.size()) +
               " " + sides);
        } else {
          note(tag + "one-way " + sides);
        }
        if (kind == FaultKind::partition && !prof_.separate_cuts) {
          c_.partition({a, b});
          at(self, c_.now() + lasts, [this] {
            note("heal");
            c_.heal();
          });
          break;
        }
        std::vector<int> cuts{c_.cut_one_way(a, b)};
        if (kind == FaultKind::partition) cuts.push_back(c_.cut_one_way(b, a));
        at(self, c_.now() + lasts, [this, cuts, sides] {
          note("heal " + sides);
          for (int id : cuts) c_.repair_cut(id);
        });
        break;
      }
      case FaultKind::loss: {
        const double p = static_cast<double>(rng_.between(5, prof_.max_loss_pct)) / 100.0;
        note(tag + "loss " + std::to_string(static_cast<int>(p * 100)) + "%");
        c_.set_loss(p);
        at(self, c_.now() + outage(), [this] {
          note("loss 0%");
          c_.set_loss(0);
        });
        break;
      }
      case FaultKind::latency: {
        const Duration hi = Duration(rng_.between(ms(2).count(), prof_.max_latency.count()));
        note(tag + "latency " + std::to_string(to_ms(hi / 4)) + "-" + std::to_string(to_ms(hi)) +
             "ms");
        c_.set_latency(hi / 4, hi);
        at(self, c_.now() + outage(), [this] {
          note("latency normal");
          c_.set_latency(c_.options().latency_min, c_.options().latency_max);
        });
        break;
      }
    }
  }

  Cluster& c_;
  core::Rng rng_;
  FaultProfile prof_;
  Time end_;
  Duration t_;
  bool active_ = true;
  bool campaign_aimed_ = false;
  /// Candidate -> (term, voters that granted it in that term).
  struct Campaign {
    std::uint64_t term = 0;
    Duration length{};  // as its requests said (0: the default)
    std::set<std::string> voters;
  };
  /// Each candidate's latest real campaign, as its requests and granted votes were delivered.
  std::map<std::string, Campaign> campaigns_;
  struct Asking {
    std::uint64_t term = 0;
    bool pre = false;
    Time last{};
  };
  /// Each candidate's latest (pre-)vote request delivered.
  std::map<std::string, Asking> asking_;
};

}  // namespace

FaultLog run_injector(Cluster& c, std::uint64_t seed, FaultProfile prof, Time end) {
  auto in = std::make_shared<Injector>(c, seed, std::move(prof), end);
  Injector::run(in);
  return std::move(in->log_);
}

}  // namespace elector::sim
