// Config validation, the election settings hash and hooks_execution parsing.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "elector/config.hpp"

namespace elector {
namespace {

Config named(const std::string& name = "node-a") {
  Config c;
  c.name = name;
  return c;
}

std::vector<std::string> keys(const std::vector<ConfigError>& errs) {
  std::vector<std::string> k;
  for (const auto& e : errs) k.push_back(e.key);
  return k;
}

/// The single error of `c`, which must name `key`.
ConfigError only_error(const Config& c, const std::string& key) {
  const auto errs = validate(c);
  EXPECT_EQ(keys(errs), std::vector<std::string>{key});
  if (errs.empty()) return {};
  EXPECT_FALSE(errs.front().message.empty()) << key;
  return errs.front();
}

TEST(Config, DefaultWithNameIsValid) {
  const auto errs = validate(named());
  EXPECT_TRUE(errs.empty()) << (errs.empty() ? "" : errs.front().key + ": " + errs.front().message);
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
  const Config c;
  EXPECT_EQ(c.strategy, "uptime_high");
  EXPECT_EQ(c.quorum_size, 0);  // a majority of the cluster
  EXPECT_EQ(c.cluster_size, 0);
  EXPECT_EQ(c.election_delay, ms(1000));
  EXPECT_EQ(c.heartbeat_interval, ms(100));
  EXPECT_EQ(c.hook_timeout, ms(1000));
  EXPECT_EQ(c.hooks_execution, HooksExecution::local);
  EXPECT_TRUE(c.automatic_elections);
  EXPECT_TRUE(c.candidate_node);
}

TEST(Config, BigClusterFactorGrowsByOnePerDoublingPast128) {
  EXPECT_EQ(big_cluster_factor(1), 1);
  EXPECT_EQ(big_cluster_factor(128), 1);
  EXPECT_EQ(big_cluster_factor(129), 2);
  EXPECT_EQ(big_cluster_factor(256), 2);
  EXPECT_EQ(big_cluster_factor(257), 3);
  EXPECT_EQ(big_cluster_factor(450), 3);
  EXPECT_EQ(big_cluster_factor(513), 4);
  EXPECT_EQ(big_cluster_factor(1000), 4);
  EXPECT_EQ(big_cluster_factor(10000), 8);
}

TEST(Config, EmptyNameIsReported) {
  Config c = named("");
  only_error(c, "name");
}

TEST(Config, UnknownStrategyIsReportedWithItsValue) {
  Config c = named();
  c.strategy = "fastest";
  const auto e = only_error(c, "strategy");
  EXPECT_EQ(e.value, "fastest");
}

// Members are told one address to reach a node at: one that names every address of the host
// cannot be it.
TEST(Config, AnAddressForEveryInterfaceIsNeverAdvertised) {
  for (const char* any : {"0.0.0.0:7946", "[::]:7946"}) {
    Config c = named();
    c.listen = any;
    EXPECT_EQ(only_error(c, "listen").value, any);
    c.advertise = "10.0.0.5:7946";
    EXPECT_TRUE(validate(c).empty()) << any;
    c.advertise = any;
    EXPECT_EQ(only_error(c, "advertise").value, any);
  }
  Config c = named();
  c.listen = "127.0.0.1:7946";
  for (const char* bad : {"10.0.0.5", "::1:7946", "h:x", "h:70000", ":7946"}) {
    c.advertise = bad;
    EXPECT_EQ(only_error(c, "advertise").value, bad);
  }
  for (const char* good : {"10.0.0.5:7946", "[fe80::1]:7946", "node1.example:0"}) {
    c.advertise = good;
    EXPECT_TRUE(validate(c).empty()) << good;
  }
}

TEST(Config, TheAdvertisedAddressTakesTheBoundPortForPortZero) {
  Config c = named();
  EXPECT_EQ(advertised_address(c, "127.0.0.1:4242"), "127.0.0.1:4242");
  c.advertise = "10.0.0.5:7946";
  EXPECT_EQ(advertised_address(c, "0.0.0.0:4242"), "10.0.0.5:7946");
  c.advertise = "10.0.0.5:0";
  EXPECT_EQ(advertised_address(c, "0.0.0.0:4242"), "10.0.0.5:4242");
  c.advertise = "[fe80::1]:0";
  EXPECT_EQ(advertised_address(c, "[::]:4242"), "[fe80::1]:4242");
}

TEST(Config, EveryBuiltinStrategyIsAccepted) {
  for (const char* s : {"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}) {
    Config c = named();
    c.strategy = s;
    EXPECT_TRUE(validate(c).empty()) << s;
    ASSERT_NE(strategy_of(c), nullptr) << s;
    EXPECT_EQ(std::string(strategy_of(c)->name()), s);
  }
}

class FixedOrder final : public Strategy {
 public:
  [[nodiscard]] std::string_view name() const override { return "fixed_order"; }
  [[nodiscard]] bool better(const CandidateInfo& a, const CandidateInfo& b) const override {
    return a.priority > b.priority;
  }
};

TEST(Config, CustomStrategyIsUsedInsteadOfTheName) {
  Config c = named();
  c.strategy = "not_a_builtin";
  c.custom_strategy = std::make_shared<FixedOrder>();
  EXPECT_TRUE(validate(c).empty());
  ASSERT_NE(strategy_of(c), nullptr);
  EXPECT_EQ(strategy_of(c).get(), c.custom_strategy.get());
  // The custom strategy's name, not the `strategy` string, enters the settings.
  Config d = named();
  d.strategy = "something_else";
  d.custom_strategy = std::make_shared<FixedOrder>();
  EXPECT_EQ(election_settings_hash(c), election_settings_hash(d));
  EXPECT_NE(election_settings_hash(c), election_settings_hash(named()));
}

TEST(Config, StrategyOfUnknownNameIsNull) {
  Config c = named();
  c.strategy = "nope";
  EXPECT_EQ(strategy_of(c), nullptr);
}

TEST(Config, NegativeQuorumOrClusterSizeIsReported) {
  Config c = named();
  c.quorum_size = 0;  // the default: a majority
  EXPECT_TRUE(validate(c).empty());
  c.quorum_size = -3;
  const auto e = only_error(c, "quorum_size");
  EXPECT_EQ(e.value, "-3");
  c.quorum_size = 0;
  c.cluster_size = -1;
  only_error(c, "cluster_size");
}

TEST(Config, HeartbeatIntervalZeroIsReported) {
  Config c = named();
  c.heartbeat_interval = Duration::zero();
  only_error(c, "heartbeat_interval");
  c.heartbeat_interval = ms(1);
  EXPECT_TRUE(validate(c).empty());
}

TEST(Config, HookTimeoutZeroIsReported) {
  Config c = named();
  c.hook_timeout = Duration::zero();
  only_error(c, "hook_timeout");
  c.hook_timeout = ms(-10);
  only_error(c, "hook_timeout");
}

TEST(Config, NegativeElectionDelayIsReported) {
  Config c = named();
  c.election_delay = ms(-5);
  const auto e = only_error(c, "election_delay");
  EXPECT_EQ(e.value, "-5");
  c.election_delay = Duration::zero();  // zero is allowed
  EXPECT_TRUE(validate(c).empty());
}

TEST(Config, ProbeTimeoutAboveIntervalIsReported) {
  Config c = named();
  c.membership.probe_timeout = c.membership.probe_interval + ms(1);
  only_error(c, "probe_timeout");
}

TEST(Config, SeveralErrorsAreAllReported) {
  Config c = named("");
  c.strategy = "bogus";
  c.quorum_size = -1;
  c.hook_timeout = Duration::zero();
  auto k = keys(validate(c));
  std::sort(k.begin(), k.end());
  EXPECT_EQ(k, (std::vector<std::string>{"hook_timeout", "name", "quorum_size", "strategy"}));
}

TEST(ConfigHash, EqualForEqualSettings) {
  EXPECT_EQ(election_settings_hash(named()), election_settings_hash(named()));
  Config a = named();
  Config b = named();
  a.strategy = b.strategy = "priority";
  a.quorum_size = b.quorum_size = 3;
  EXPECT_EQ(election_settings_hash(a), election_settings_hash(b));
}

TEST(ConfigHash, DiffersWhenAnElectionSettingDiffers) {
  const Config base = named();
  const auto h = election_settings_hash(base);
  struct Change {
    const char* what;
    void (*apply)(Config&);
  };
  const Change changes[] = {
      {"strategy", [](Config& c) { c.strategy = "priority"; }},
      {"quorum_size", [](Config& c) { c.quorum_size = 2; }},
      {"election_delay", [](Config& c) { c.election_delay = ms(1500); }},
      {"heartbeat_interval", [](Config& c) { c.heartbeat_interval = ms(200); }},
      {"hooks_execution", [](Config& c) { c.hooks_execution = HooksExecution::global; }},
      {"automatic_elections", [](Config& c) { c.automatic_elections = false; }},
  };
  for (const auto& ch : changes) {
    Config c = base;
    ch.apply(c);
    EXPECT_NE(election_settings_hash(c), h) << ch.what;
  }
}

TEST(ConfigHash, UnchangedByPerNodeFields) {
  const Config base = named("a");
  const auto h = election_settings_hash(base);
  Config c = base;
  c.name = "completely-different";
  c.priority = 42;
  c.candidate_node = false;
  c.listen = "10.0.0.7:7946";
  c.seeds = {"10.0.0.1:7946"};
  c.hook_timeout = ms(5000);
  c.membership.probe_interval = ms(2000);
  EXPECT_EQ(election_settings_hash(c), h);
}

TEST(ConfigHash, StrategiesAllDiffer) {
  std::vector<std::uint64_t> hs;
  for (const char* s : {"uptime_high", "uptime_low", "runtime_high", "runtime_low", "priority"}) {
    Config c = named();
    c.strategy = s;
    hs.push_back(election_settings_hash(c));
  }
  std::sort(hs.begin(), hs.end());
  EXPECT_EQ(std::adjacent_find(hs.begin(), hs.end()), hs.end());
}

TEST(HooksExecution, ParsesAndPrints) {
  EXPECT_EQ(hooks_execution_from("local"), HooksExecution::local);
  EXPECT_EQ(hooks_execution_from("global"), HooksExecution::global);
  EXPECT_EQ(hooks_execution_from("x"), std::nullopt);
  EXPECT_EQ(hooks_execution_from(""), std::nullopt);
  EXPECT_EQ(hooks_execution_from("Local"), std::nullopt);
  EXPECT_STREQ(to_string(HooksExecution::local), "local");
  EXPECT_STREQ(to_string(HooksExecution::global), "global");
}

}  // namespace
}  // namespace elector
