// A program that uses libelector as an installed package (tests/install/check_install.sh builds
// it against the installed tree only): one node, which must elect itself.
#include <elector/node.hpp>
#include <elector/version.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <string>

int main() {
  elector::NodeConfig cfg;
  cfg.name = "consumer";
  cfg.listen = "127.0.0.1:0";
  cfg.cookie = "install-test";

  std::promise<std::uint64_t> elected;
  elector::NodeCallbacks cb;
  bool once = false;
  cb.elected = [&](std::uint64_t term) {
    if (!once) {
      once = true;
      elected.set_value(term);
    }
  };
  cb.log = [](elector::LogLevel, const std::string&) {};

  std::printf("elector %s (ABI %d)\n", ELECTOR_VERSION_STRING, ELECTOR_ABI_VERSION);
  elector::Node node(cfg, cb);
  node.start();
  // Generous: a node without a state file first stays quiet for 25 heartbeat intervals.
  auto term = elected.get_future();
  if (term.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::printf("not elected within 60 s\n");
    return 1;
  }
  const bool leader = node.is_leader();
  std::printf("elected in term %llu, is_leader %s\n", static_cast<unsigned long long>(term.get()),
              leader ? "true" : "false");
  node.stop();
  return leader ? 0 : 1;
}
