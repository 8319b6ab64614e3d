// The state file: what a saved state reads back as, on the same boot, after a reboot, corrupt,
// and saves that cannot be made.
#include "node/state_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace elector {
namespace {

namespace fs = std::filesystem;

const std::string kBootId = "5f1e7c4a-0d2b-4d7e-9a51-3c8b2f6e1a90";

class StateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "elector-state-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "box1.state").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& text) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
  }
  [[nodiscard]] LoadedState load(const std::string& boot_id = kBootId) const {
    std::string err;
    auto loaded = load_state(path_, boot_id, err);
    EXPECT_TRUE(loaded) << err;
    return loaded.value_or(LoadedState{});
  }

  fs::path dir_;
  std::string path_;
};

core::DurableState sample() {
  core::DurableState s;
  s.term = 42;
  s.bound_until = from_ns(123'456'789'012);
  s.cluster_size = 5;
  return s;
}

TEST_F(StateFile, AbsentFileIsAFirstStart) {
  const auto l = load();
  EXPECT_EQ(l.past.recall, core::Recall::first_start);
  EXPECT_EQ(l.past.state, core::DurableState{});
  EXPECT_EQ(l.boot, 0U);
  EXPECT_TRUE(l.corrupt.empty());
}

TEST_F(StateFile, SavedStateIsKeptOnTheSameBoot) {
  std::string err;
  ASSERT_TRUE(save_state(path_, sample(), 77, kBootId, err)) << err;
  const auto l = load();
  EXPECT_EQ(l.past.recall, core::Recall::kept);
  EXPECT_EQ(l.past.state, sample());
  EXPECT_EQ(l.boot, 77U);
  EXPECT_TRUE(l.corrupt.empty());
  // Nothing is left beside it, and only its owner can read it.
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  // A second save replaces the first.
  auto next = sample();
  next.term = 43;
  ASSERT_TRUE(save_state(path_, next, 78, kBootId, err)) << err;
  EXPECT_EQ(load().past.state, next);
}

TEST_F(StateFile, AnotherBootKeepsTheTermAndSizeButNotTheBindings) {
  std::string err;
  ASSERT_TRUE(save_state(path_, sample(), 77, kBootId, err)) << err;
  const auto l = load("0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d");
  EXPECT_EQ(l.past.recall, core::Recall::lost);
  EXPECT_EQ(l.past.state.term, 42U);
  EXPECT_EQ(l.past.state.cluster_size, 5U);
  EXPECT_EQ(l.past.state.bound_until, Time{});
  EXPECT_EQ(l.boot, 77U);
  EXPECT_TRUE(l.corrupt.empty());
}

TEST_F(StateFile, WithoutABootIdNothingIsKept) {
  std::string err;
  ASSERT_TRUE(save_state(path_, sample(), 77, "", err)) << err;
  EXPECT_EQ(load().past.recall, core::Recall::lost);
  ASSERT_TRUE(save_state(path_, sample(), 77, kBootId, err)) << err;
  EXPECT_EQ(load("").past.recall, core::Recall::lost);
}

TEST_F(StateFile, AnOldFileWithTermAndBootOnlyIsLostWithItsTerm) {
  write("term=9\nboot=1234\n");
  const auto l = load();
  EXPECT_EQ(l.past.recall, core::Recall::lost);
  EXPECT_EQ(l.past.state.term, 9U);
  EXPECT_EQ(l.boot, 1234U);
  EXPECT_TRUE(l.corrupt.empty());
}

TEST_F(StateFile, UnknownKeysAreIgnored) {
  write("term=3\nboot=5\ncluster_size=3\nbound_until_ns=100\nboot_id=" + kBootId +
        "\nfuture_key=anything\n");
  const auto l = load();
  EXPECT_EQ(l.past.recall, core::Recall::kept);
  EXPECT_EQ(l.past.state.bound_until, from_ns(100));
  EXPECT_TRUE(l.corrupt.empty());
}

TEST_F(StateFile, CorruptContentIsLostAndSaysWhy) {
  const std::string good_tail = "boot=5\ncluster_size=3\nbound_until_ns=100\nboot_id=" + kBootId;
  for (const std::string& text : std::vector<std::string>{
           std::string(""),                        // empty
           "term=3\n" + good_tail,                 // last line cut short
           "term=x3\n" + good_tail + "\n",         // not a number
           "term=3\nterm=4\n" + good_tail + "\n",  // twice
           std::string("boot=5\n"),                // no term
           std::string("\x7f"
                       "ELF\x02\x01\x01\n"),             // not this format at all
           std::string("term=3\nbound_until_ns=100\n"),  // an instant without its boot
       }) {
    write(text);
    const auto l = load();
    EXPECT_EQ(l.past.recall, core::Recall::lost) << text;
    EXPECT_EQ(l.past.state, core::DurableState{}) << text;
    EXPECT_NE(l.corrupt.find(path_), std::string::npos) << text << ": " << l.corrupt;
  }
}

TEST_F(StateFile, UnreadableFileIsAnError) {
  // A directory where the file should be: it exists but cannot be read as a file (root reads
  // files whatever their mode, so permissions cannot stand for this here).
  fs::create_directory(path_);
  std::string err;
  EXPECT_FALSE(load_state(path_, kBootId, err));
  EXPECT_NE(err.find(path_), std::string::npos) << err;
  EXPECT_NE(err.find("Is a directory"), std::string::npos) << err;
}

TEST_F(StateFile, SaveIntoAMissingDirectoryFailsNamingThePath) {
  const std::string path = (dir_ / "missing" / "box1.state").string();
  std::string err;
  EXPECT_FALSE(save_state(path, sample(), 1, kBootId, err));
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
}

TEST_F(StateFile, SaveUnderProcFails) {
  std::string err;
  EXPECT_FALSE(save_state("/proc/elector-test.state", sample(), 1, kBootId, err));
  EXPECT_NE(err.find("/proc/elector-test.state"), std::string::npos) << err;
}

TEST_F(StateFile, AFailedSaveLeavesThePreviousState) {
  std::string err;
  ASSERT_TRUE(save_state(path_, sample(), 77, kBootId, err)) << err;
  // The temporary file's name is taken by a directory: the save cannot create it.
  fs::create_directory(path_ + ".tmp");
  auto next = sample();
  next.term = 50;
  EXPECT_FALSE(save_state(path_, next, 78, kBootId, err));
  EXPECT_NE(err.find(path_ + ".tmp"), std::string::npos) << err;
  EXPECT_EQ(load().past.state, sample());
}

TEST(MachineBootId, IsReadOnLinux) {
  EXPECT_EQ(machine_boot_id().size(), 36U) << machine_boot_id();
}

}  // namespace
}  // namespace elector
