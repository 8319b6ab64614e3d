#include "ctl/cluster_procs.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ctl/errors.hpp"

namespace elector::ctl {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class ProcsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "electorctl-procs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // A shell standing in for a box: its command line carries "--name box7" like electord's. The
  // loop (rather than one long sleep) leaves no long-lived orphan once the shell is killed.
  pid_t start_fake_box(const std::string& script = "echo started; while :; do sleep 0.05; done") {
    pid_ =
        spawn_detached({"/bin/sh", "-c", script, "sh", "--name", "box7"}, dir_, dir_ / "log", true);
    return pid_;
  }
  static std::optional<ExitedChild> wait_for_exit() {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(2000);
    for (;;) {
      if (auto exited = reap_exited_child()) return exited;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  fs::path dir_;
  pid_t pid_ = 0;
};

TEST_F(ProcsTest, StatesFollowSignals) {
  const pid_t pid = start_fake_box();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(process_state(pid, "box7"), ProcState::running);
  EXPECT_EQ(process_state(pid, "box8"), ProcState::dead) << "another box's pid is not this box";
  ASSERT_TRUE(send_signal(pid, SIGSTOP));
  EXPECT_TRUE(wait_for_state(pid, "box7", ProcState::stopped, milliseconds(2000)));
  ASSERT_TRUE(send_signal(pid, SIGCONT));
  EXPECT_TRUE(wait_for_state(pid, "box7", ProcState::running, milliseconds(2000)));
  ASSERT_TRUE(send_signal(pid, SIGKILL));
  // A dying process (and, until reaped, a zombie) counts as gone.
  EXPECT_TRUE(wait_until_gone({pid}, {"box7"}, milliseconds(2000)).empty());
  const auto exited = wait_for_exit();
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->pid, pid);
  EXPECT_EQ(exited->code, 128 + SIGKILL);
  pid_ = 0;
  EXPECT_EQ(process_state(pid, "box7"), ProcState::dead);
}

TEST_F(ProcsTest, OutputGoesToTheLogAndTheChildHasItsOwnSession) {
  const pid_t pid = start_fake_box();
  EXPECT_EQ(::getsid(pid), pid);
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(2000);
  std::string log;
  while (log.find("started") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
    std::ifstream in(dir_ / "log");
    std::ostringstream text;
    text << in.rdbuf();
    log = text.str();
  }
  EXPECT_NE(log.find("started"), std::string::npos);
}

TEST_F(ProcsTest, ExitCodesOfChildrenAreReported) {
  const pid_t pid = start_fake_box("exit 3");
  const auto exited = wait_for_exit();
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->pid, pid);
  EXPECT_EQ(exited->code, 3);
  pid_ = 0;
}

TEST_F(ProcsTest, AMissingBinaryFailsAtOnce) {
  EXPECT_THROW(spawn_detached({(dir_ / "no-such-electord").string()}, dir_, dir_ / "log", true),
               Failure);
  EXPECT_FALSE(reap_exited_child()) << "the failed child was reaped by spawn_detached";
}

TEST_F(ProcsTest, AMissingWorkingDirectoryIsNamed) {
  try {
    spawn_detached({"/bin/sh", "-c", "exit 0"}, dir_ / "gone", dir_ / "log", true);
    FAIL() << "expected Failure";
  } catch (const Failure& e) {
    EXPECT_NE(std::string(e.what()).find("cannot enter"), std::string::npos) << e.what();
  }
}

TEST_F(ProcsTest, TheChildDoesNotKeepInheritedDescriptors) {
  // A pipe without close-on-exec, like one a test runner hands to electorctl: once we close our
  // write end, the read end must see EOF although the box keeps running.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  start_fake_box();
  ::close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1) << "the box holds the pipe open";
  char c = 0;
  EXPECT_EQ(::read(fds[0], &c, 1), 0);
  ::close(fds[0]);
}

TEST_F(ProcsTest, FindElectordHonoursAnExplicitPath) {
  const auto fake = dir_ / "electord";
  std::ofstream(fake) << "#!/bin/sh\n";
  fs::permissions(fake, fs::perms::owner_all);
  EXPECT_EQ(find_electord(fake.string()), fake.string());
  EXPECT_THROW(find_electord((dir_ / "missing").string()), Failure);
  fs::permissions(fake, fs::perms::owner_read);
  EXPECT_THROW(find_electord(fake.string()), Failure);
}

}  // namespace
}  // namespace elector::ctl
