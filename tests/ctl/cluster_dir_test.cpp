#include "ctl/cluster_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ctl/errors.hpp"

namespace elector::ctl {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "electorctl-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

ClusterConfig sample_config() {
  ClusterConfig cfg;
  cfg.nodes = 5;
  cfg.base_port = 7000;
  cfg.electord = "/opt/elector/bin/electord";
  cfg.cwd = "/home/me";
  cfg.extra_args = {"--strategy", "priority", "--pre-election-hook", "echo 'a b' \"c\""};
  cfg.cookie_file = "/tmp/c/cookie";
  return cfg;
}

TEST(BoxName, ParsesBoxNumbers) {
  EXPECT_EQ(parse_box_name("box1"), 1);
  EXPECT_EQ(parse_box_name("box17"), 17);
  EXPECT_EQ(parse_box_name("box450"), 450);
  EXPECT_EQ(box_name(17), "box17");
}

TEST(BoxName, RejectsEverythingElse) {
  for (const char* bad : {"", "box", "box0", "box01", "box-1", "box+1", "Box1", "box1a", "bo1",
                          "17", " box1", "box1 ", "box99999999999999999999"}) {
    EXPECT_FALSE(parse_box_name(bad)) << bad;
  }
}

TEST(Ports, FollowThePortArithmetic) {
  const auto cfg = sample_config();
  EXPECT_EQ(listen_port(cfg, 1), 7001);
  EXPECT_EQ(control_port(cfg, 1), 17001);
  EXPECT_EQ(listen_addr(cfg, 17), "127.0.0.1:7017");
  EXPECT_EQ(control_addr(cfg, 450), "127.0.0.1:17450");
}

TEST(Ports, OutOfRangeIsBadUsageNamingTheOption) {
  EXPECT_NO_THROW(check_ports(450, 7000));
  EXPECT_NO_THROW(check_ports(35, 55500));  // highest control port 65535
  try {
    check_ports(36, 55500);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--base-port 55500"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_ports(0, 7000), UsageError);
  EXPECT_THROW(check_ports(5, -1), UsageError);
}

TEST(Ports, OverlapWithTheEphemeralRange) {
  auto cfg = sample_config();  // listen 7001-7005, control 17001-17005
  EXPECT_FALSE(ports_overlap(cfg, 32768, 60999));
  EXPECT_TRUE(ports_overlap(cfg, 17005, 60999));
  EXPECT_TRUE(ports_overlap(cfg, 1024, 7001));
  EXPECT_FALSE(ports_overlap(cfg, 7006, 17000));
  cfg.base_port = 23000;  // control 33001-33005
  EXPECT_TRUE(ports_overlap(cfg, 32768, 60999));
}

TEST(Seeds, AreTheFirstThreeBoxesButNotItself) {
  auto cfg = sample_config();
  EXPECT_EQ(seeds_for(cfg, 1), (std::vector<std::string>{"127.0.0.1:7002", "127.0.0.1:7003"}));
  EXPECT_EQ(seeds_for(cfg, 2), (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7003"}));
  EXPECT_EQ(seeds_for(cfg, 5),
            (std::vector<std::string>{"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}));
  cfg.nodes = 2;
  EXPECT_EQ(seeds_for(cfg, 1), (std::vector<std::string>{"127.0.0.1:7002"}));
  cfg.nodes = 1;
  EXPECT_TRUE(seeds_for(cfg, 1).empty());
}

TEST(Extras, SecretChoiceAndReservedOptions) {
  EXPECT_FALSE(extras_choose_secret({"--strategy", "priority"}));
  EXPECT_TRUE(extras_choose_secret({"--cookie-file", "/x"}));
  EXPECT_TRUE(extras_choose_secret({"--cookie-file=/x"}));
  EXPECT_TRUE(extras_choose_secret({"--quorum-size", "3", "--insecure"}));
  // A value that merely contains the text is not the option.
  EXPECT_FALSE(extras_choose_secret({"--pre-election-hook", "echo --insecure"}));

  EXPECT_FALSE(reserved_extra({"--strategy", "priority", "--quorum-size", "3"}));
  EXPECT_EQ(reserved_extra({"--election-delay", "200", "--listen", "x:1"}), "--listen");
  EXPECT_EQ(reserved_extra({"--priority=3"}), "--priority");
  EXPECT_EQ(reserved_extra({"--seeds", "a:1"}), "--seeds");
  EXPECT_FALSE(reserved_extra({"--name-server"}));  // only whole option names count
}

TEST(ElectordCommand, AssemblesOneBoxCommandLine) {
  TempDir tmp;
  const ClusterDir dir(tmp.path());
  const auto cfg = sample_config();
  const auto box = tmp.path().string();
  EXPECT_EQ(electord_command(cfg, dir, 2),
            (std::vector<std::string>{"/opt/elector/bin/electord",
                                      "--name",
                                      "box2",
                                      "--listen",
                                      "127.0.0.1:7002",
                                      "--control",
                                      "127.0.0.1:17002",
                                      "--priority",
                                      "2",
                                      "--seeds",
                                      "127.0.0.1:7001,127.0.0.1:7003",
                                      "--event-log",
                                      box + "/box2/events.jsonl",
                                      "--state-dir",
                                      box + "/box2",
                                      "--cookie-file",
                                      "/tmp/c/cookie",
                                      "--cluster-size",
                                      std::to_string(cfg.nodes),
                                      "--strategy",
                                      "priority",
                                      "--pre-election-hook",
                                      "echo 'a b' \"c\""}));
}

TEST(ElectordCommand, WithoutCookieAndWithoutSeeds) {
  TempDir tmp;
  const ClusterDir dir(tmp.path());
  auto cfg = sample_config();
  cfg.nodes = 1;
  cfg.cookie_file.clear();
  cfg.extra_args = {"--insecure"};
  EXPECT_EQ(electord_command(cfg, dir, 1),
            (std::vector<std::string>{
                "/opt/elector/bin/electord", "--name", "box1", "--listen", "127.0.0.1:7001",
                "--control", "127.0.0.1:17001", "--priority", "1", "--event-log",
                tmp.path().string() + "/box1/events.jsonl", "--state-dir",
                tmp.path().string() + "/box1", "--cluster-size", "1", "--insecure"}));
  // A size given among the extra options is the user's.
  cfg.extra_args = {"--insecure", "--cluster-size", "3"};
  const auto argv = electord_command(cfg, dir, 1);
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--cluster-size"), 1);
}

TEST(ClusterDirFiles, ConfigRoundTrip) {
  TempDir tmp;
  const ClusterDir dir(tmp.path() / "c");
  EXPECT_FALSE(dir.has_config());
  EXPECT_THROW(dir.read_config(), Failure);
  const auto cfg = sample_config();
  dir.write_config(cfg);
  EXPECT_TRUE(dir.has_config());
  EXPECT_EQ(dir.read_config(), cfg);
  EXPECT_FALSE(fs::exists(dir.config_path().string() + ".tmp"));
}

TEST(ClusterDirFiles, RelativeDirectoriesBecomeAbsolute) {
  const ClusterDir dir("some/cluster/");
  EXPECT_TRUE(dir.root().is_absolute());
  EXPECT_EQ(dir.root(), fs::current_path() / "some" / "cluster");
  EXPECT_EQ(dir.pid_path(3), dir.root() / "box3" / "pid");
  EXPECT_EQ(dir.log_path(3), dir.root() / "box3" / "electord.log");
}

TEST(ClusterDirFiles, MalformedConfigIsAFailureNamingTheField) {
  EXPECT_THROW(decode_config("not json"), Failure);
  EXPECT_THROW(decode_config("[]"), Failure);
  auto j = nlohmann::json::parse(encode_config(sample_config()));
  j["nodes"] = "five";
  try {
    decode_config(j.dump());
    FAIL() << "expected Failure";
  } catch (const Failure& e) {
    EXPECT_NE(std::string(e.what()).find("nodes"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(encode_config(sample_config()));
  j.erase("extra_args");
  EXPECT_THROW(decode_config(j.dump()), Failure);
  j = nlohmann::json::parse(encode_config(sample_config()));
  j["base_port"] = 60000;  // box5's control port would not fit
  EXPECT_THROW(decode_config(j.dump()), Failure);
}

TEST(ClusterDirFiles, PidFiles) {
  TempDir tmp;
  const ClusterDir dir(tmp.path());
  EXPECT_FALSE(dir.read_pid(4));
  dir.write_pid(4, 12345);
  EXPECT_EQ(dir.read_pid(4), 12345);
  dir.remove_pid(4);
  EXPECT_FALSE(dir.read_pid(4));
  fs::create_directories(dir.box_dir(5));
  std::ofstream(dir.pid_path(5)) << "garbage\n";
  EXPECT_FALSE(dir.read_pid(5));
}

TEST(ClusterDirFiles, CookieIsPrivateRandomAndKept) {
  TempDir tmp;
  const ClusterDir dir(tmp.path() / "c");
  dir.ensure_cookie();
  struct stat st {};
  ASSERT_EQ(::stat(dir.cookie_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string first;
  std::ifstream(dir.cookie_path()) >> first;
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  dir.ensure_cookie();  // kept, not regenerated
  std::string second;
  std::ifstream(dir.cookie_path()) >> second;
  EXPECT_EQ(first, second);
  EXPECT_NE(random_secret_hex(), random_secret_hex());
}

TEST(ClusterDirFiles, ResolveNamesABoxOfThisCluster) {
  const ClusterDir dir("/tmp/x");
  const auto cfg = sample_config();
  EXPECT_EQ(dir.resolve("box5", cfg), 5);
  for (const char* bad : {"box6", "box0", "foo", "box05"}) {
    try {
      dir.resolve(bad, cfg);
      FAIL() << "expected UsageError for " << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace elector::ctl
