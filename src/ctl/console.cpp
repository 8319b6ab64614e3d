#include "ctl/console.hpp"

#include <poll.h>

#include <condition_variable>
#include <istream>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "ctl/client.hpp"
#include "ctl/event_stream.hpp"
#include "ctl/node_cmd.hpp"

namespace elector::ctl {
namespace {

constexpr int kDefaultWatchSeconds = 3;
constexpr auto kElectSyncTimeout = std::chrono::milliseconds(5000);

const char* const kHelp =
    "commands:\n"
    "  leader          the leader this node sees\n"
    "  is-leader       whether this node is the leader\n"
    "  term            the current term\n"
    "  members         the members this node knows\n"
    "  status          every member's own view (name, priority, leader, term, status)\n"
    "  elect           start an election\n"
    "  elect sync      start an election and wait for its leader\n"
    "  clear-leader    make every node drop the leader\n"
    "  watch [SECS]    stream events (until Enter on a terminal, else for SECS, default 3)\n"
    "  help            this text\n"
    "  quit            leave the console (also: exit, end of input)\n";

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// Waits until a line can be read from the terminal or `limit` passes (limit 0: no limit).
/// Returns true when a line is there.
bool wait_for_enter(int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int wait_ms = 200;
    if (limit.count() > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 200));
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) > 0) return true;
  }
}

void console_watch(const Endpoint& node, const std::vector<std::string>& args, ConsoleIo io) {
  std::chrono::milliseconds limit{0};
  if (args.size() > 1) {
    try {
      std::size_t used = 0;
      const double seconds = std::stod(args[1], &used);
      if (used != args[1].size() || seconds <= 0) throw std::invalid_argument("seconds");
      limit = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
    } catch (const std::exception&) {
      io.err << "watch: '" << args[1] << "' is not a number of seconds\n";
      return;
    }
  } else if (io.terminal_fd < 0) {
    limit = std::chrono::seconds(kDefaultWatchSeconds);
  }
  if (io.terminal_fd >= 0) io.out << "(watching; press Enter to stop)\n" << std::flush;

  EventStream stream(node);
  std::mutex mu;  // serializes output between the stream thread and this one
  bool finished = false;
  std::condition_variable cv;
  std::string error;
  EventStream::End end = EventStream::End::stopped;
  std::jthread reader([&] {
    end = stream.run(
        [&](const std::string& data) {
          std::lock_guard lock(mu);
          io.out << data << std::endl;
          return true;
        },
        &error);
    std::lock_guard lock(mu);
    finished = true;
    cv.notify_all();
  });

  if (io.terminal_fd >= 0) {
    // Stop at Enter (consuming that line), at the limit, or when the stream ends by itself.
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (finished) break;
      }
      if (wait_for_enter(io.terminal_fd, std::chrono::milliseconds(200))) {
        std::string ignored;
        std::getline(io.in, ignored);
        break;
      }
      if (limit.count() > 0) {
        limit -= std::chrono::milliseconds(200);
        if (limit.count() <= 0) break;
      }
    }
  } else {
    std::unique_lock lock(mu);
    cv.wait_for(lock, limit, [&] { return finished; });
  }
  for (;;) {
    std::unique_lock lock(mu);
    if (finished) break;
    lock.unlock();
    stream.stop();  // repeated: a stop during connect is not noticed (EventStream::stop)
    lock.lock();
    cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished; });
  }
  reader.join();
  if (end != EventStream::End::stopped) io.err << "error: " << error << '\n';
}

}  // namespace

std::string node_name(const Endpoint& node) {
  return NodeClient(node, kRequestTimeout).status().name;
}

int run_console(const Endpoint& node, const std::string& name, ConsoleIo io) {
  const std::string prompt = (name.empty() ? node.to_string() : name) + "> ";
  Out cmd_io{io.out, io.err};
  for (;;) {
    io.out << prompt << std::flush;
    std::string line;
    if (!std::getline(io.in, line)) {
      io.out << '\n';
      break;
    }
    const auto args = words(line);
    if (args.empty()) continue;
    const std::string& cmd = args[0];
    try {
      if (cmd == "quit" || cmd == "exit") break;
      if (cmd == "help" || cmd == "?") {
        io.out << kHelp;
      } else if (cmd == "watch" && args.size() <= 2) {
        console_watch(node, args, io);
      } else if (args.size() == 2 && cmd == "elect" && args[1] == "sync") {
        cmd_elect(node, true, kElectSyncTimeout, cmd_io);
      } else if (args.size() > 1) {
        io.err << "'" << line << "': unexpected arguments (try help)\n";
      } else if (cmd == "leader") {
        cmd_leader(node, cmd_io);
      } else if (cmd == "is-leader") {
        cmd_is_leader(node, cmd_io);
      } else if (cmd == "term") {
        cmd_term(node, cmd_io);
      } else if (cmd == "members") {
        cmd_members(node, cmd_io);
      } else if (cmd == "status" || cmd == "debug") {
        cmd_status(node, cmd_io);
      } else if (cmd == "elect") {
        cmd_elect(node, false, kElectSyncTimeout, cmd_io);
      } else if (cmd == "clear-leader") {
        cmd_clear_leader(node, cmd_io);
      } else {
        io.err << "unknown command '" << cmd << "' (try help)\n";
      }
    } catch (const std::exception& e) {
      io.err << "error: " << e.what() << '\n';
    }
    io.out << std::flush;
    io.err << std::flush;
  }
  io.out << std::flush;
  return kExitOk;
}

}  // namespace elector::ctl
