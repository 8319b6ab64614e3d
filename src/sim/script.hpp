// Scenario scripts: a simulated cluster driven by text commands, each followed by what it printed,
// so that a protocol change shows up as a readable diff of golden traces
// (tests/sim/testdata/*.txt, replayed by tests/sim/script_test.cpp; docs/testing.md).
//
// A script is a list of cases. Each case is a command line, a line "----", and the command's
// output, up to an empty line or the end of the file. Lines starting with '#', and empty lines,
// before a command are kept as they are. For example:
//
//   # Five nodes, box1 leads; its crash elects box2.
//   cluster nodes=5 quorum=3 strategy=priority
//   ----
//   ok
//
//   start
//   ----
//   ok
//
//   run-until agreed
//   ----
//   t=1012.400ms agreed on box1 term=1
//
// Commands (NAME is boxK; MS a number of simulated milliseconds, up to three decimals where
// noted MS.F):
//   cluster nodes=N [seed=S] [quorum=Q] [strategy=X] [election-delay=MS] [heartbeat=MS]
//           [cluster-size=N] [non-candidates=NAME,...] [watchers=N] [stagger=MS.F]
//           [trace=off] [pre-hooks=CMD,...] [post-hooks=CMD,...] [hook-timeout=MS.F]
//           [hooks=local|global] [crash-signal-to=NAME,...]
//                                    a new cluster, not started; trace=off keeps no events (big
//                                    clusters); crash-signal-to: only these peers hear of a crash
//   start [NAME...]                  every node (staggered), or these
//   crash NAME [signal=false]        kill the process; the transport signals it unless false
//   restart NAME [lose-state]        a new process, with its saved state or without
//   stop | freeze | thaw NAME        graceful stop; SIGSTOP; SIGCONT
//   partition NAME,NAME... NAME,...  cut the network into these groups
//   heal                             remove every cut
//   loss P                           drop each message with probability P
//   disk-full NAME on|off            make NAME's saves fail, or succeed again
//   hang-hooks NAME on|off           make NAME's hooks hang until hook-timeout kills them
//   elect NAME                       ask NAME for an election (prints the outcome)
//   clear-leader NAME                ask NAME to clear the leadership (no election follows)
//   run-for MS                       let simulated time pass
//   run-until COND [limit=MS] [check-every=MS.F]   run until COND holds (limit 10000; limit=0
//                                    only looks), checking it after every step or at most once
//                                    per check-every. COND: agreed[=NAME] | no-leader |
//                                    member=NAME:alive|suspect|dead|left [by=NAME] (in by's view,
//                                    or in every other running node's) | probing=NAME
//   trace                            the events since the last trace, one a line
//   status                           each node's role, term and leader
//   invariants                       "ok", or every violation the checker found
//   leaders                          the nodes whose lease is valid now; leaderships won so far
//   lease NAME                       when NAME's lease ends, and whether it is valid now
//   messages KIND...                 how many of each kind were sent since the last `messages`
//                                    (or the start), and over a second or more, per second and
//                                    per node per second. KIND:
//                                    a message kind (heartbeat, vote, pre_vote, ping, gossip,
//                                    ...), all, datagrams, or crash-signals (processes told by
//                                    their transport that a peer's process ended)
//   hooks                            the hook runs ended since the last `hooks`
//   view NAME [MEMBER]               how many members NAME knows, by status; or MEMBER's status
//   probing                          which running nodes send SWIM probes
//   connected NAME                   the peers NAME holds a connection with (its crash signals
//                                    them)
//   campaign NAME                    how NAME's campaigns ended, and the refusals it received
//
// Every output is a function of the script alone (the seed included): replaying gives the same
// text, byte for byte.
//
// Thread safety: none; one thread runs a Script.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/cluster.hpp"

namespace elector::sim {

namespace script_detail {
struct QueryMarks;
}

/// One case of a script file.
struct ScriptCase {
  std::string preamble;  // the comment and empty lines before the command, verbatim
  std::string command;   // the command line
  std::string expected;  // what followed "----", lines joined with '\n', without the last '\n'
  int line = 0;          // the command's line number in the file (from 1)
};

/// Parses a script file's text. Throws std::invalid_argument naming the line on a case without
/// its "----".
std::vector<ScriptCase> parse_script(const std::string& text);

/// The file's text with each case's output replaced by `outputs[i]` (the rewrite mode).
std::string render_script(const std::vector<ScriptCase>& cases,
                          const std::vector<std::string>& outputs);

/// Runs commands against one simulated cluster.
class Script {
 public:
  Script();
  ~Script();
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

  /// Runs one command line and returns its output: one or more lines, never an empty one.
  /// A bad command returns "error: ..." (and changes nothing) rather than throwing, so that a
  /// golden file records it.
  std::string run(const std::string& command_line);

 private:
  std::string run_words(const std::vector<std::string>& words);
  Cluster& cluster();
  std::string when() const;

  std::unique_ptr<Cluster> cluster_;
  std::size_t traced_ = 0;  // trace() entries already printed
  std::unique_ptr<script_detail::QueryMarks> marks_;
};

}  // namespace elector::sim
