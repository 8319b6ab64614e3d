// leader-worker: embeds elector::Node and does its work only while it is the leader.
//
//   ELECTOR_COOKIE=secret leader-worker NAME LISTEN [SEED...]
//   e.g. leader-worker w1 127.0.0.1:7101 & leader-worker w2 127.0.0.1:7102 127.0.0.1:7101
//
// The work loop asks is_leader() before every unit of work: that check uses the lease and the
// monotonic clock, so a leader that was frozen or cut off stops working when its lease ends,
// even before any callback runs. Each unit of work carries the term as a fencing token, so a
// store that remembers the highest term it saw can refuse a stale leader's late writes.
#include <elector/node.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s NAME HOST:PORT [SEED_HOST:PORT...]\n", argv[0]);
    return 2;
  }
  elector::NodeConfig cfg;
  cfg.name = argv[1];
  cfg.listen = argv[2];
  for (int i = 3; i < argc; ++i) cfg.seeds.emplace_back(argv[i]);
  const char* cookie = std::getenv("ELECTOR_COOKIE");
  if (cookie == nullptr || *cookie == '\0') {
    std::fprintf(stderr, "%s: set ELECTOR_COOKIE to the cluster secret\n", argv[0]);
    return 2;
  }
  cfg.cookie = cookie;

  elector::NodeCallbacks cb;
  cb.elected = [&](std::uint64_t term) { std::printf("%s: elected, term %lu\n", argv[1], term); };
  cb.demoted = [&](std::uint64_t term, const std::string& why) {
    std::printf("%s: demoted from term %lu (%s): stopping work\n", argv[1], term, why.c_str());
  };
  cb.leader_changed = [&](const std::optional<std::string>& leader, std::uint64_t term) {
    std::printf("%s: leader is now %s (term %lu)\n", argv[1], leader ? leader->c_str() : "none",
                term);
  };

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    elector::Node node(cfg, cb);
    node.start();
    std::uint64_t done = 0;
    while (!g_stop) {
      if (node.is_leader()) {
        ++done;  // one unit of work, fenced by node.term()
        if (done % 10 == 0) {
          std::printf("%s: did %lu units as leader of term %lu\n", argv[1], done, node.term());
        }
      }
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    node.stop();  // hands leadership over at once
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}
