// A whole cluster in one process, on simulated time.
//
// Every node is a NodeCore; the network delivers envelopes after a random latency, may lose
// them, and respects partitions (two-way and one-way). Every message travels encoded by the
// transport's own codec (wire/codec.hpp) and is decoded on arrival, so the seeds cover the wire
// format too; a message that does not decode is an invariant violation, never a silent drop.
// Faults: crash (with or without the transport's "process gone" signal), freeze/thaw (a SIGSTOPped
// process: its inputs wait, its timers fire late), restart, graceful stop, partition/heal, loss,
// latency. Each node reads its own monotonic clock, which may run at another rate than simulated
// time (Clock). All randomness comes from one seed, so a run replays exactly. After every step the
// invariant checker looks at the cluster (invariants.hpp).
//
// Two delivery modes (Options::delivery). `latency`, the default, is the simulator's: random
// latency and loss from the seed. `instant` is the step-by-step harness of the unit tests: a
// message is handled at the instant it is sent, in the order sent, so a test drives time by hand
// (run_for, pump) and inspects each exchange (message_log, events). Everything else is the same
// in both: nodes, faults, clocks, the codec and the invariant checker.
//
// Call order: construct, optionally set tracing, logging and observers, then start nodes
// (start_all or start) and drive simulated time (run_for, run_until, pump), with faults, commands
// and inputs between those calls. Not thread-safe: one thread owns a Cluster; observers are called
// on it, in the middle of a step, and must not drive the cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/node_core.hpp"
#include "core/rng.hpp"
#include "sim/hooks.hpp"
#include "sim/invariants.hpp"

namespace elector::sim {

/// A node's monotonic clock against simulated time: `local = epoch + offset + (global - epoch) *
/// rate_ppm / 10^6`, in integers so that a run replays exactly on every machine.
struct Clock {
  std::int64_t rate_ppm = 1'000'000;  // local nanoseconds per 10^6 simulated ones
  Duration offset{};                  // what it reads at the epoch, past the epoch
  [[nodiscard]] Time local(Time global) const;
  /// The first simulated instant at which this clock reads `local` or later (kNever for kNever).
  [[nodiscard]] Time global(Time local) const;
  [[nodiscard]] std::string describe() const;
};

/// How the nodes' clocks are drawn from the seed.
enum class ClockSkew {
  none,    // every clock is simulated time itself
  within,  // rates in [1.0, 1.1] and offsets up to 10 min: two nodes' rates differ by < 10 %,
           // inside the 12.5 % that docs/design.md §7 says the lease's 0.5T margin covers
  beyond,  // beyond that bound: some nodes run 1.5-2x fast, the others in [1.0, 1.1]
};
const char* to_string(ClockSkew s);

/// How the network carries messages.
enum class Delivery {
  /// After a latency drawn from the seed in [latency_min, latency_max], lost with probability
  /// `loss`: the simulator's own mode.
  latency,
  /// At the instant it is sent, in the order sent (FIFO), never lost at random: step-by-step
  /// tests, which drive time by hand and inspect each exchange. No randomness is drawn for the
  /// network; loss and latency settings are ignored. A start without seeds joins through the
  /// first running node (index order), and each process keeps its own member directory.
  instant,
};

struct Options {
  int nodes = 5;
  /// The nodes' names in index order; empty: box1..boxN. When set, `nodes` is its size.
  std::vector<std::string> names;
  Delivery delivery = Delivery::latency;
  std::uint64_t seed = 1;
  /// Template for every node's config (name, listen, seeds and priority are filled in).
  Config base;
  /// Give boxK priority K (king's layout).
  bool priority_by_index = true;
  /// Adjusts one node's config (e.g. makes it a non-candidate); called once per node.
  std::function<void(Config&)> per_node;
  /// The seed of process `boot` of node `name`'s own generator (its NodeCore's Rng); unset:
  /// mixed from `seed`, the node's index and the boot.
  std::function<std::uint64_t(const std::string& name, std::uint64_t boot)> node_seed;
  Duration latency_min = std::chrono::microseconds(200);
  Duration latency_max = ms(2);
  double loss = 0.0;
  /// How a stream message meets `loss`. False: it is lost like a datagram. True: as over TCP, it
  /// is never lost but retransmitted after `stream_rto` (doubling with each loss again), and the
  /// stream messages sent after it on the same connection wait behind it (in order).
  bool stream_retransmit = false;
  Duration stream_rto = ms(200);
  /// Delay between successive node starts. Five times the largest latency by default, so that
  /// "box1 started first" is something the nodes can tell (an uptime is known to a peer only up
  /// to a message's delay; starts closer than that rank as chance has it).
  Duration start_stagger = ms(10);
  /// Crashes are seen by peers through the transport (TCP connections closing).
  bool crash_signal = true;
  /// Who holds a connection: a crash's signal reaches only the peers that exchanged a stream
  /// message (Route::stream) with the crashed process within this long, as the transport closes
  /// connections idle for its `idle_close` (60 s). Zero: every peer, as if all were connected.
  Duration stream_idle_close = std::chrono::seconds(60);
  /// Whether and when a crash's signal reaches each peer, past the link's latency. On a real
  /// machine an exiting process's sockets are released one at a time, so the last of 449 peers
  /// hears of a kill 100-160 ms after the first (docs/performance.md, "who hears first"); and a
  /// peer without a connection to the process hears nothing. Unset: every peer, at once.
  std::function<std::optional<Duration>(const std::string& peer)> crash_signal_delay;
  /// Simulated duration of one hook run, unless a node's hook is set to hang.
  Duration hook_duration = ms(5);
  /// The commands every node's hooks run before and after an election (their names appear in
  /// the hook runs; nothing is executed).
  std::vector<std::string> pre_election_hooks;
  std::vector<std::string> post_election_hooks;
  /// The nodes' clocks, drawn from the seed (a stream of their own: the rest of the run draws
  /// the same numbers whatever the clocks). A restarted node keeps its clock: same machine.
  ClockSkew clock_skew = ClockSkew::none;
};

struct Stats {
  std::uint64_t messages = 0;  // sent
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t steps = 0;
  // A timer wake-up is a process woken by its own deadline; an idle one produced nothing (no
  // message, event or hook). On a real machine every wake-up costs a context switch, most of an
  // idle node's CPU (docs/performance.md), so a deadline that fires for nothing is waste.
  std::uint64_t timer_wakes = 0;
  std::uint64_t idle_timer_wakes = 0;
  /// Processes told by their transport that a peer's process ended (one per connection closed).
  std::uint64_t crash_signals = 0;
  /// Messages sent, by kind; and those of them routed as datagrams.
  std::map<std::string, std::uint64_t> by_kind;
  std::uint64_t datagrams = 0;
};

/// One message a node sent, as message_log() keeps it.
struct LoggedMessage {
  Time at{};               // when it was sent (simulated time)
  std::string from;        // the sender's name
  core::Outgoing msg;      // as the sender produced it (to_name, to_addr, route, envelope)
  bool delivered = false;  // handed to its receiver (not lost, cut, or sent to a dead process)
};

/// How start() starts a process, past the defaults.
struct Boot {
  /// Its boot number; 0: one past its previous one (1 at the first start).
  std::uint64_t boot = 0;
  /// The node's config from this start on (its name and listen address are kept).
  std::optional<Config> config;
  /// The addresses it joins through (see address()); unset: the mode's default (king's layout
  /// with latency, the first running node with instant delivery).
  std::optional<std::vector<std::string>> seeds;
  /// Starts without the state it saved (Recall::lost), as restart(name, true) does.
  bool lose_state = false;
};

struct TracedEvent {
  Time at{};
  std::string node;
  std::uint64_t boot = 0;
  Event event;
};

class Cluster {
 public:
  explicit Cluster(Options opt);
  ~Cluster();

  static std::string name_of(int index) { return "box" + std::to_string(index + 1); }

  /// Starts every node (staggered by start_stagger), all seeded with box1's address.
  void start_all();
  /// Starts `name` (again) now, with the state it saved; nothing if it runs.
  void start(const std::string& name, const Boot& how = {});
  void run_for(Duration d);
  void run_until(Time t);
  /// Runs until `pred` holds or `limit` passes; true if it held. `pred` is checked after every
  /// step, or at most once per `check_every` of simulated time when that is not zero.
  bool run_until(const std::function<bool()>& pred, Duration limit,
                 Duration check_every = Duration::zero());

  /// Processes every item due up to now, including those the processing adds at now: with
  /// instant delivery, until every message sent has been handled (the network is quiet).
  void pump() { run_until(now_); }

  // Faults.
  void crash(const std::string& name, bool signal = true);
  /// Crashes `name` if it runs, and starts it again with the state it saved, or with none if
  /// `lose_state` (Recall::lost: it keeps quiet for the longest binding).
  void restart(const std::string& name, bool lose_state = false);
  /// Makes every save of `name` fail (a full disk) or succeed again.
  void set_disk_full(const std::string& name, bool full);
  void freeze(const std::string& name);
  void thaw(const std::string& name);
  void stop(const std::string& name);
  void partition(const std::vector<std::vector<std::string>>& groups);
  /// Messages from any node of `from` to any node of `to` are lost, while the other way still
  /// works: `to` hears nothing from `from`, `from` hears `to` (a one-way link failure, a
  /// misconfigured firewall). Adds to the partition and the cuts in force; returns an id for
  /// repair_cut(), which ends this cut alone; heal() ends them all.
  int cut_one_way(const std::vector<std::string>& from, const std::vector<std::string>& to);
  void repair_cut(int id) { one_way_.erase(id); }
  /// Puts `name` in a group of its own: no message reaches it or leaves it (it runs on). Ends
  /// with rejoin(), heal() or the next partition().
  void isolate(const std::string& name);
  void rejoin(const std::string& name);
  void heal();
  void set_loss(double p) { loss_ = p; }
  /// Every message sent from now on takes [min, max] (a latency spike, an overloaded network).
  void set_latency(Duration min, Duration max);
  /// Makes `name`'s clock run at `rate_ppm` from now on; it reads on from what it reads now.
  void set_clock_rate(const std::string& name, std::int64_t rate_ppm);
  /// Makes every hook of `name` hang (killed at hook_timeout).
  void hang_hooks(const std::string& name, bool hang);

  // Commands and inputs (nothing happens to a node that does not run or is frozen).
  core::ElectOutcome elect(const std::string& name);
  void clear_leader(const std::string& name);
  /// Hands `name` an input now, as its transport or application would: `fn` gets its NodeCore
  /// and what its clock reads; what the input produces goes out as any step's output does.
  /// Returns false (and calls nothing) if `name` does not run or is frozen.
  bool input(const std::string& name,
             const std::function<void(core::NodeCore&, Time local_now)>& fn);
  /// `name` receives `env` now, not through the network (a message kept, replayed or forged).
  bool receive(const std::string& name, const core::Envelope& env);
  /// `name`'s transport reports that process `boot` of `gone` ended (0: any).
  bool peer_gone(const std::string& name, const std::string& gone, std::uint64_t boot);
  /// Messages reach `name` without their piggybacked gossip (it hears only the bodies).
  void set_no_gossip_to(const std::string& name, bool on);
  /// Runs `fn` at simulated instant `t` (now if earlier), in order with the cluster's own items.
  void call_at(Time t, std::function<void()> fn);
  /// Called with every event a node reports, when it reports it. It must not drive the cluster
  /// (the node is in the middle of a step): schedule that with call_at().
  void set_observer(std::function<void(const std::string& node, const Event& e)> fn) {
    observer_ = std::move(fn);
  }
  /// Called with every message as it is delivered (before its receiver handles it); the same
  /// rule as for set_observer().
  void set_message_observer(
      std::function<void(const std::string& from, const std::string& to, const core::Envelope& env)>
          fn) {
    message_observer_ = std::move(fn);
  }

  // Queries.
  [[nodiscard]] Time now() const { return now_; }
  /// The simulated instant the cluster was created at (times in logs count from it).
  [[nodiscard]] static Time epoch() { return Time(std::chrono::hours(1)); }
  [[nodiscard]] const Options& options() const { return opt_; }
  [[nodiscard]] const Clock& clock(const std::string& name) const;
  /// What `name`'s own clock reads now: the instant to pass to its NodeCore's queries.
  [[nodiscard]] Time local_now(const std::string& name) const;
  [[nodiscard]] core::NodeCore* node(const std::string& name);
  [[nodiscard]] bool running(const std::string& name) const;  // started, not crashed/stopped
  [[nodiscard]] bool frozen(const std::string& name) const;
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  /// The peers `name` holds a connection with (a stream message within `stream_idle_close`):
  /// those its crash would signal. Sorted by name.
  [[nodiscard]] std::vector<std::string> connected(const std::string& name) const;
  /// The leader every running, unfrozen node names, if they all agree and it holds its lease.
  [[nodiscard]] std::optional<std::string> agreed_leader() const;
  /// The leader every node of `among` names, if each of them runs unfrozen, they all agree, and
  /// it is one of them and holds its lease (the nodes outside `among` are not asked).
  [[nodiscard]] std::optional<std::string> agreed_leader(
      const std::vector<std::string>& among) const;
  /// Nodes whose lease is valid now (each judged by its own clock).
  [[nodiscard]] std::vector<std::string> leaders_now() const;
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] const Invariants& invariants() const { return inv_; }
  [[nodiscard]] const std::vector<TracedEvent>& trace() const { return trace_; }
  [[nodiscard]] const std::vector<HookRun>& hook_runs() const { return hooks_.runs(); }
  [[nodiscard]] std::uint64_t acquisitions() const { return inv_.acquisitions(); }
  /// Keep every event in trace() (off by default for big clusters).
  void set_tracing(bool on) { tracing_ = on; }
  /// The events `name` reported, every boot of it, in order (kept while tracing).
  [[nodiscard]] std::vector<Event> events(const std::string& name) const;
  /// The address `name` listens on (what a seed list holds).
  [[nodiscard]] const std::string& address(const std::string& name) const;
  /// Keep every message sent in message_log() from now on (off by default: it costs a copy).
  void set_message_log(bool on) { logging_ = on; }
  /// The messages sent since logging began or the log was last cleared, in the order sent.
  [[nodiscard]] const std::vector<LoggedMessage>& message_log() const { return log_; }
  void clear_message_log();

 private:
  struct SimNode;
  struct Item;
  void push(Item it);
  void step(Item it);
  /// Returns what the step produced: messages + events + hooks.
  std::size_t process(SimNode& n, const std::function<void(core::NodeCore&)>& input);
  std::size_t drain(SimNode& n);
  void schedule_wake(SimNode& n);
  void send(SimNode& from, core::Outgoing msg);
  /// Decodes a message that reached `to` and hands it over; one that does not decode is an
  /// invariant violation.
  void deliver(SimNode& to, const Item& it);
  /// Ends every connection of a process that stops or crashes; returns them (peer -> last use).
  std::unordered_map<int, Time> close_streams(SimNode& n);
  /// Whether a connection last used at `last_use` is still open (see Options::stream_idle_close).
  [[nodiscard]] bool still_open(Time last_use) const;
  /// Whether a message from `from` reaches `to` (partitions and one-way cuts).
  bool reachable(int from, int to) const;
  /// The valid leases now, their ends on the simulated timeline.
  [[nodiscard]] std::vector<Invariants::Lease> leases_now() const;
  [[nodiscard]] Time local(const SimNode& n) const;
  void draw_clocks();
  SimNode& at(const std::string& name);
  const SimNode* find(const std::string& name) const;
  [[nodiscard]] Duration latency();

  Options opt_;
  /// Member identities shared by every node's view (they are the same in all of them): a view
  /// then costs 32 bytes a member instead of a few hundred. Names are entered in index order, so
  /// every view iterates box1, box2, ... (see core/member_directory.hpp; one thread uses it).
  std::shared_ptr<core::MemberDirectory> directory_;
  core::Rng rng_;
  Time now_{};
  double loss_ = 0;
  Duration latency_min_{};
  Duration latency_max_{};
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::map<std::string, int> by_name_;
  std::map<std::string, int> by_addr_;
  std::vector<Item> heap_;
  std::uint64_t seq_ = 0;
  std::vector<int> group_;
  /// One-way cuts in force by id: (senders, receivers), each a flag per node index.
  std::map<int, std::pair<std::vector<char>, std::vector<char>>> one_way_;
  int next_cut_ = 0;
  std::set<int> leader_role_;  // nodes whose role is leader (their lease may have run out)
  Stats stats_;
  Invariants inv_;
  HookRunner hooks_;
  bool tracing_ = true;
  std::vector<TracedEvent> trace_;
  std::function<void(const std::string&, const Event&)> observer_;
  std::function<void(const std::string&, const std::string&, const core::Envelope&)>
      message_observer_;
  bool logging_ = false;
  std::vector<LoggedMessage> log_;
  /// Message ids count on across clear_message_log(): log_[id - log_base_] (ids from 1).
  std::uint64_t log_base_ = 1;
};

}  // namespace elector::sim
