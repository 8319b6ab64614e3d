// The fault schedule of a chaos run, drawn from the seed alone.
//
// The schedule is made up front by playing the faults on a model of the cluster (which node is
// running, frozen or down, whether the network is cut), so that every action makes sense when it
// is due and the same seed always gives the same kinds, targets and times, whatever the processes
// do while the run goes on. The harness then plays it against real processes.
//
// Thread safety: pure functions over values; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chaos {

enum class ActionKind {
  kill,       // SIGKILL: the process ends without a word
  restart,    // start a new process under the node's name (after kill or stop)
  freeze,     // SIGSTOP
  thaw,       // SIGCONT
  stop,       // SIGTERM: graceful stop (handover), restarted later
  partition,  // cut the network in two groups
  heal,       // flush every cut
};

const char* kind_name(ActionKind k);

struct Action {
  std::int64_t at_ms = 0;  // from the start of the run
  ActionKind kind = ActionKind::kill;
  int node = -1;           // 0-based node index (kill, restart, freeze, thaw, stop)
  std::vector<int> group;  // partition: the nodes of one side (the others form the second side)
  // restart after a kill: the new process finds its state file as after a reboot of the machine
  // (another boot id), so it keeps its term and cluster size but not the ends of its promises,
  // and must keep quiet for the longest binding (docs/design.md §7, "lost").
  bool lose_bindings = false;
};

struct ScheduleParams {
  std::uint64_t seed = 1;
  int nodes = 5;
  std::int64_t faults_from_ms = 3000;    // first fault (the cluster forms first)
  std::int64_t faults_until_ms = 50000;  // no fault starts after this; repairs due later are
                                         // dropped (the final heal repairs everything)
  bool partitions = true;
  std::int64_t min_gap_ms = 150;  // between two faults
  std::int64_t max_gap_ms = 1200;
  int max_down = 3;              // at most this many nodes killed, stopped or frozen at once
  int lose_bindings_one_in = 3;  // a restart after a kill loses its bindings 1 time in this many
};

/// The schedule, sorted by time (ties keep their order of drawing).
std::vector<Action> make_schedule(const ScheduleParams& p);

/// One line describing an action, e.g. "12.345s kill box2" (node k is named box{k+1}).
std::string describe(const Action& a);

}  // namespace chaos
