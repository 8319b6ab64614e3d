#include "ctl/run_supervisor.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <ostream>

namespace elector::ctl {

// gtest prints actions with this (found by argument-dependent lookup, so outside the anonymous
// namespace).
void PrintTo(const RunAction& a, std::ostream* out) {
  std::ostream& os = *out;
  static const char* const kinds[] = {"start", "signal", "kill", "poll", "wake", "exit"};
  static const char* const whys[] = {"-",           "deadline",   "not_leader", "term_changed",
                                     "stop_signal", "grace_over", "exited"};
  os << kinds[static_cast<int>(a.kind)] << "(" << whys[static_cast<int>(a.why)]
     << " term=" << a.term << " node=" << a.node << " at=" << a.at.count() << " signal=" << a.signal
     << " code=" << a.code << ")";
}

namespace {

using Kind = RunAction::Kind;
using Why = RunAction::Why;
using ms = std::chrono::milliseconds;

// Expected actions.
RunAction Start(std::uint64_t term, std::int64_t stop_at) {
  RunAction a;
  a.kind = Kind::start;
  a.term = term;
  a.node = "box1";
  a.at = ms(stop_at);
  return a;
}
RunAction Signal(int signo, Why why) {
  RunAction a;
  a.kind = Kind::signal;
  a.why = why;
  a.signal = signo;
  return a;
}
RunAction Kill(Why why) {
  RunAction a;
  a.kind = Kind::kill;
  a.why = why;
  return a;
}
RunAction Poll() {
  return RunAction{};
}
RunAction Wake(std::int64_t at) {
  RunAction a;
  a.kind = Kind::wake;
  a.at = ms(at);
  return a;
}
RunAction Exit(int code, Why why) {
  RunAction a;
  a.kind = Kind::exit;
  a.why = why;
  a.code = code;
  return a;
}

// Inputs.
using Input = std::function<std::vector<RunAction>(RunSupervisor&)>;
Input Begin(std::int64_t now) {
  return [=](RunSupervisor& s) { return s.start(ms(now)); };
}
Input Leads(std::int64_t now, std::int64_t sent, std::uint64_t term, std::int64_t left) {
  return [=](RunSupervisor& s) {
    return s.on_answer(ms(now), ms(sent), LeaderAnswer{true, term, left, "box1"});
  };
}
Input Follows(std::int64_t now, std::int64_t sent, std::uint64_t term) {
  return [=](RunSupervisor& s) {
    return s.on_answer(ms(now), ms(sent), LeaderAnswer{false, term, 0, "box2"});
  };
}
Input Fails(std::int64_t now) {
  return [=](RunSupervisor& s) { return s.on_poll_failed(ms(now)); };
}
Input Timer(std::int64_t now) {
  return [=](RunSupervisor& s) { return s.on_timer(ms(now)); };
}
Input Exited(std::int64_t now, int code) {
  return [=](RunSupervisor& s) { return s.on_child_exited(ms(now), ChildStatus{false, code}); };
}
Input KilledBy(std::int64_t now, int signo) {
  return [=](RunSupervisor& s) { return s.on_child_exited(ms(now), ChildStatus{true, signo}); };
}
Input Got(std::int64_t now, int signo) {
  return [=](RunSupervisor& s) { return s.on_stop_signal(ms(now), signo); };
}

struct Step {
  const char* what;
  Input input;
  std::vector<RunAction> expect;
  RunSupervisor::State then;
};

using State = RunSupervisor::State;

// margin 50, grace 100, idle poll 100, min poll 10. An answer sent at S with lease_left L gives
// safe = S + L - 50 (SIGKILL at the latest) and stop = safe - 100 (SIGTERM).
void play(const std::vector<Step>& steps) {
  RunSupervisor s(RunSettings{ms(50), ms(100), ms(100), ms(10)});
  for (const auto& step : steps) {
    SCOPED_TRACE(step.what);
    EXPECT_EQ(step.input(s), step.expect);
    EXPECT_EQ(s.state(), step.then);
  }
}

// The common opening: term 7 starts with safe 350, stop 250; the next poll is due at 105.
const std::vector<Step> kLeading = {
    {"asks at once", Begin(0), {Poll()}, State::waiting},
    {"leads: starts, stop deadline sent + left - margin - grace",
     Leads(5, 0, 7, 400),
     {Start(7, 250), Wake(105)},
     State::running},
    {"polls every lease_left/4", Timer(105), {Poll(), Wake(250)}, State::running},
};

std::vector<Step> leading_then(std::vector<Step> more) {
  std::vector<Step> all = kLeading;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

TEST(RunSupervisor, StartsWhenTheNodeLeads) {
  play(kLeading);
}

TEST(RunSupervisor, WaitsWhileTheNodeDoesNotLead) {
  play({
      {"asks", Begin(0), {Poll()}, State::waiting},
      {"follower: asks again after idle_poll", Follows(3, 0, 4), {Wake(103)}, State::waiting},
      {"asks", Timer(103), {Poll()}, State::waiting},
      {"a lease too short for margin and grace starts nothing",
       Leads(104, 103, 5, 150),
       {Wake(204)},
       State::waiting},
  });
}

// The leader recomputes its lease once per heartbeat, so lease_left can be as low as 1.5
// heartbeats: then the stop deadline is near, and the node must be asked twice before it, not
// every lease_left/4.
TEST(RunSupervisor, AShortLeaseIsAskedTwiceBeforeItsStopDeadline) {
  play({
      {"asks", Begin(0), {Poll()}, State::waiting},
      {"leads with 200 left: stop at 50; asks at 5 + 45/2, not at 5 + 200/4",
       Leads(5, 0, 7, 200),
       {Start(7, 50), Wake(27)},
       State::running},
      {"asks", Timer(27), {Poll(), Wake(50)}, State::running},
      {"renewed: stop at 77; asks at 30 + 47/2", Leads(30, 27, 7, 200), {Wake(53)}, State::running},
  });
}

TEST(RunSupervisor, RenewalsPushTheDeadline) {
  play(leading_then({
      {"renewed: safe 455, stop 355; next poll at 110 + 100",
       Leads(110, 105, 7, 400),
       {Wake(210)},
       State::running},
      {"polls", Timer(210), {Poll(), Wake(355)}, State::running},
      {"an answer with a smaller bound moves nothing back",
       Leads(215, 210, 7, 200),
       {Wake(265)},
       State::running},
  }));
}

TEST(RunSupervisor, DeadlineWithoutRenewalTermsThenKills) {
  play(leading_then({
      {"the poll hangs; SIGTERM at the stop deadline",
       Timer(250),
       {Signal(SIGTERM, Why::deadline), Wake(350)},
       State::stopping},
      {"SIGKILL at safe = stop + grace", Timer(350), {Kill(Why::grace_over)}, State::stopping},
      {"gone: back to waiting; the poll is still out",
       KilledBy(352, SIGKILL),
       {Kill(Why::exited)},
       State::waiting},
      {"the node answers at last: not leading", Follows(400, 105, 8), {Wake(500)}, State::waiting},
  }));
}

TEST(RunSupervisor, UnreachableNodeStopsTheCommandAtTheDeadline) {
  play(leading_then({
      {"failed poll: retry after idle_poll", Fails(110), {Wake(210)}, State::running},
      {"retries", Timer(210), {Poll(), Wake(250)}, State::running},
      {"fails again", Fails(240), {Wake(250)}, State::running},
      {"SIGTERM at the deadline",
       Timer(250),
       {Signal(SIGTERM, Why::deadline), Wake(340)},
       State::stopping},
      {"retries while stopping", Timer(340), {Poll(), Wake(350)}, State::stopping},
      {"SIGKILL at safe", Timer(350), {Kill(Why::grace_over)}, State::stopping},
      {"a command that goes on SIGTERM is not killed twice",
       Exited(351, 0),
       {Kill(Why::exited)},
       State::waiting},
  }));
}

TEST(RunSupervisor, CommandThatLeavesOnSigtermIsNotKilledAfterGrace) {
  play(leading_then({
      {"SIGTERM at the deadline",
       Timer(250),
       {Signal(SIGTERM, Why::deadline), Wake(350)},
       State::stopping},
      {"leaves at once: stragglers of its group killed, asks again",
       Exited(260, 0),
       {Kill(Why::exited)},
       State::waiting},
      {"the old poll answers: no longer leading",
       Follows(270, 105, 8),
       {Wake(370)},
       State::waiting},
      {"nothing at the old kill instant", Timer(350), {Wake(370)}, State::waiting},
  }));
}

TEST(RunSupervisor, LostLeadershipStopsTheCommand) {
  play(leading_then({
      {"not leading: SIGTERM now, SIGKILL after grace but by safe",
       Follows(120, 105, 8),
       {Signal(SIGTERM, Why::not_leader), Wake(220)},
       State::stopping},
      {"SIGKILL after grace; asks again",
       Timer(220),
       {Kill(Why::grace_over), Poll()},
       State::stopping},
  }));
}

TEST(RunSupervisor, SigkillAfterLostLeadershipComesNoLaterThanSafe) {
  play(leading_then({
      {"not leading, told late (300): SIGKILL at safe 350, before 300 + grace",
       Follows(300, 105, 8),
       {Signal(SIGTERM, Why::not_leader), Wake(350)},
       State::stopping},
      {"SIGKILL", Timer(350), {Kill(Why::grace_over), Wake(400)}, State::stopping},
  }));
}

TEST(RunSupervisor, TermChangeStopsTheCommand) {
  play(leading_then({
      {"leads in another term",
       Leads(120, 105, 9, 400),
       {Signal(SIGTERM, Why::term_changed), Wake(220)},
       State::stopping},
  }));
}

TEST(RunSupervisor, CommandExitingByItselfEndsTheRunWithItsCode) {
  play(leading_then({
      {"exits 3 while leading",
       Exited(120, 3),
       {Kill(Why::exited), Exit(3, Why::exited)},
       State::done},
      {"nothing after", Leads(130, 105, 7, 400), {}, State::done},
  }));
  play(leading_then({
      {"killed by SIGSEGV while leading",
       KilledBy(120, SIGSEGV),
       {Kill(Why::exited), Exit(128 + SIGSEGV, Why::exited)},
       State::done},
  }));
}

TEST(RunSupervisor, StopSignalIsForwardedThenTheRunExitsWithTheCommandsCode) {
  play(leading_then({
      {"SIGINT: forwarded as is",
       Got(110, SIGINT),
       {Signal(SIGINT, Why::stop_signal), Wake(210)},
       State::stopping},
      {"the command exits 0",
       Exited(150, 0),
       {Kill(Why::exited), Exit(0, Why::exited)},
       State::done},
  }));
  play(leading_then({
      {"SIGTERM",
       Got(110, SIGTERM),
       {Signal(SIGTERM, Why::stop_signal), Wake(210)},
       State::stopping},
      {"a second signal: SIGKILL now",
       Got(120, SIGTERM),
       {Kill(Why::stop_signal)},
       State::stopping},
      {"dies of it",
       KilledBy(121, SIGKILL),
       {Kill(Why::exited), Exit(128 + SIGKILL, Why::exited)},
       State::done},
  }));
}

TEST(RunSupervisor, StopSignalWhileStoppingForTheLeaseExitsOnceTheCommandIsGone) {
  play(leading_then({
      {"SIGTERM at the deadline",
       Timer(250),
       {Signal(SIGTERM, Why::deadline), Wake(350)},
       State::stopping},
      {"SIGTERM to the runner: nothing more to send yet",
       Got(260, SIGTERM),
       {Wake(350)},
       State::stopping},
      {"the command leaves: the run ends with its code",
       KilledBy(270, SIGTERM),
       {Kill(Why::exited), Exit(128 + SIGTERM, Why::exited)},
       State::done},
  }));
}

TEST(RunSupervisor, StopSignalWithoutACommandExitsAtOnce) {
  play({
      {"asks", Begin(0), {Poll()}, State::waiting},
      {"SIGTERM", Got(1, SIGTERM), {Exit(128 + SIGTERM, Why::stop_signal)}, State::done},
  });
}

TEST(RunSupervisor, RestartsTheCommandWhenTheNodeLeadsAgain) {
  play(leading_then({
      {"lost",
       Follows(120, 105, 8),
       {Signal(SIGTERM, Why::not_leader), Wake(220)},
       State::stopping},
      {"gone: asks at once", KilledBy(130, SIGTERM), {Kill(Why::exited), Poll()}, State::waiting},
      {"leads again in term 9: starts with the new term",
       Leads(140, 130, 9, 400),
       {Start(9, 380), Wake(240)},
       State::running},
  }));
}

}  // namespace
}  // namespace elector::ctl
