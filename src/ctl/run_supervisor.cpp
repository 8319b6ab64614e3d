#include "ctl/run_supervisor.hpp"

#include <algorithm>
#include <csignal>
#include <optional>

namespace elector::ctl {
namespace {

RunAction make(RunAction::Kind kind, RunAction::Why why = RunAction::Why::none) {
  RunAction a;
  a.kind = kind;
  a.why = why;
  return a;
}

}  // namespace

RunSupervisor::RunSupervisor(RunSettings settings) : settings_(settings) {}

std::vector<RunAction> RunSupervisor::start(RunInstant now) {
  schedule_poll(now);
  return settle(now, {});
}

void RunSupervisor::schedule_poll(RunInstant at) {
  next_poll_ = at;
}

std::vector<RunAction> RunSupervisor::on_answer(RunInstant now, RunInstant sent,
                                                const LeaderAnswer& answer) {
  if (state_ == State::done) return {};
  poll_in_flight_ = false;
  std::vector<RunAction> out;
  const RunInstant safe = sent + RunDuration(answer.lease_left_ms) - settings_.margin;
  const bool leads = answer.is_leader && answer.lease_left_ms > 0;
  switch (state_) {
    case State::waiting:
      if (leads && safe - settings_.grace > now) {
        state_ = State::running;
        term_ = answer.term;
        safe_at_ = safe;
        stop_at_ = safe - settings_.grace;
        RunAction a = make(RunAction::Kind::start);
        a.term = term_;
        a.node = answer.leader;
        a.at = stop_at_;
        out.push_back(std::move(a));
      }
      break;
    case State::running:
      if (!answer.is_leader) {
        stop(now, SIGTERM, RunAction::Why::not_leader, out);
      } else if (answer.term != term_) {
        stop(now, SIGTERM, RunAction::Why::term_changed, out);
      } else if (safe > safe_at_) {
        // Every answer bounds the lease's end from below; the latest bound wins.
        safe_at_ = safe;
        stop_at_ = safe - settings_.grace;
      }
      break;
    case State::stopping:
    case State::done:
      break;
  }
  // While running: four answers per lease, and at least two before the stop deadline, which a
  // short lease (the leader recomputes it once per heartbeat, so lease_left can be as low as
  // 1.5 heartbeats) puts well before the lease's end.
  const RunDuration period =
      state_ == State::running
          ? std::max(settings_.min_poll,
                     std::min(RunDuration(answer.lease_left_ms / 4), (stop_at_ - now) / 2))
          : settings_.idle_poll;
  schedule_poll(now + period);
  return settle(now, std::move(out));
}

std::vector<RunAction> RunSupervisor::on_poll_failed(RunInstant now) {
  if (state_ == State::done) return {};
  poll_in_flight_ = false;
  // Nothing changes for the command: its deadlines stand and the timer enforces them.
  schedule_poll(now + settings_.idle_poll);
  return settle(now, {});
}

std::vector<RunAction> RunSupervisor::on_child_exited(RunInstant now, ChildStatus status) {
  if (state_ != State::running && state_ != State::stopping) return {};
  std::vector<RunAction> out;
  out.push_back(make(RunAction::Kind::kill, RunAction::Why::exited));
  if (state_ == State::running || for_signal_) {
    RunAction a = make(RunAction::Kind::exit, RunAction::Why::exited);
    a.code = status.exit_code();
    out.push_back(a);
    state_ = State::done;
    return out;
  }
  state_ = State::waiting;
  if (!poll_in_flight_) schedule_poll(now);
  return settle(now, std::move(out));
}

std::vector<RunAction> RunSupervisor::on_timer(RunInstant now) {
  if (state_ == State::done) return {};
  return settle(now, {});
}

std::vector<RunAction> RunSupervisor::on_stop_signal(RunInstant now, int signo) {
  std::vector<RunAction> out;
  switch (state_) {
    case State::waiting: {
      RunAction a = make(RunAction::Kind::exit, RunAction::Why::stop_signal);
      a.code = 128 + signo;
      state_ = State::done;
      return {a};
    }
    case State::running:
      for_signal_ = true;
      stop(now, signo, RunAction::Why::stop_signal, out);
      break;
    case State::stopping:
      if (for_signal_ && !killed_) {
        killed_ = true;
        out.push_back(make(RunAction::Kind::kill, RunAction::Why::stop_signal));
      }
      for_signal_ = true;
      break;
    case State::done:
      return {};
  }
  return settle(now, std::move(out));
}

void RunSupervisor::stop(RunInstant now, int signo, RunAction::Why why,
                         std::vector<RunAction>& out) {
  state_ = State::stopping;
  killed_ = false;
  kill_at_ = std::min(now + settings_.grace, safe_at_);
  RunAction a = make(RunAction::Kind::signal, why);
  a.signal = signo;
  out.push_back(a);
}

std::vector<RunAction> RunSupervisor::settle(RunInstant now, std::vector<RunAction> out) {
  if (state_ == State::running && now >= stop_at_) {
    stop(now, SIGTERM, RunAction::Why::deadline, out);
  }
  if (state_ == State::stopping && !killed_ && now >= kill_at_) {
    killed_ = true;
    out.push_back(make(RunAction::Kind::kill, RunAction::Why::grace_over));
  }
  if (!poll_in_flight_ && now >= next_poll_) {
    poll_in_flight_ = true;
    out.push_back(make(RunAction::Kind::poll));
  }
  std::optional<RunInstant> wake;
  auto consider = [&wake](RunInstant t) { wake = wake ? std::min(*wake, t) : t; };
  if (!poll_in_flight_) consider(next_poll_);
  if (state_ == State::running) consider(stop_at_);
  if (state_ == State::stopping && !killed_) consider(kill_at_);
  if (wake) {
    RunAction a = make(RunAction::Kind::wake);
    a.at = *wake;
    out.push_back(a);
  }
  return out;
}

}  // namespace elector::ctl
