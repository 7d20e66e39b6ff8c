// Run-folder locks (pipeline/run_session.h, core/file_lock.h) within one process: two flocks on
// one file conflict even here, so every rule shows without a second process (the integration
// test tests/integration/run_folder.sh runs two): a run excludes a run and any stage command,
// a stage command excludes a run and the same stage but not another stage, the message names
// the holder's PID, and a released lock lets the next one in.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "r1forge/core/check.h"
#include "r1forge/core/file_lock.h"
#include "r1forge/core/fs.h"
#include "r1forge/pipeline/run_session.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

// The IoError message of `open`, "(no error)" when it succeeds.
template <class Open>
std::string busy_message(const Open& open) {
  try {
    open();
  } catch (const IoError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(RunSessionTest, ARunExcludesEverythingElseAndNamesItsPid) {
  testing::TempDir dir;
  const std::string pid = "PID " + std::to_string(::getpid()) + " on host";
  {
    RunSession run(dir.path());
    const std::string second = busy_message([&] { RunSession other(dir.path()); });
    EXPECT_NE(second.find("is in use by " + pid), std::string::npos) << second;
    EXPECT_NE(second.find("r1forge_tests"), std::string::npos) << second;  // its command line
    const std::string stage = busy_message([&] { RunSession other(dir.path(), "rl"); });
    EXPECT_NE(stage.find(pid), std::string::npos) << stage;
  }
  // Released with the session: the next run gets in, and so would a resume after a kill
  // (the kernel drops an flock when its process dies; run_folder.sh shows that).
  EXPECT_EQ(busy_message([&] { RunSession again(dir.path()); }), "(no error)");
}

TEST(RunSessionTest, StageCommandsExcludeARunAndTheSameStageOnly) {
  testing::TempDir dir;
  RunSession rl(dir.path(), "rl");
  EXPECT_EQ(busy_message([&] { RunSession sft(dir.path(), "sft"); }), "(no error)");
  const std::string same = busy_message([&] { RunSession other(dir.path(), "rl"); });
  EXPECT_NE(same.find("stage 'rl' of the run folder"), std::string::npos) << same;
  EXPECT_NE(same.find("PID " + std::to_string(::getpid())), std::string::npos) << same;
  const std::string run = busy_message([&] { RunSession whole(dir.path()); });
  EXPECT_NE(run.find("r1forge stage 'rl' by PID " + std::to_string(::getpid())), std::string::npos)
      << run;
}

TEST(RunSessionTest, EachSessionLogsToANewFileInTheRunFolder) {
  testing::TempDir dir;
  fs::path first, second;
  {
    RunSession run(dir.path());
    first = run.log_file();
  }
  {
    RunSession stage(dir.path(), "rl");
    second = stage.log_file();
  }
  EXPECT_EQ(first.parent_path(), dir.path() / "logs");
  EXPECT_TRUE(first.filename().string().starts_with("run-"));
  EXPECT_TRUE(second.filename().string().starts_with("stage-rl-"));
  EXPECT_NE(read_file(first).find("log file " + first.string()), std::string::npos);
  EXPECT_NE(read_file(second).find("log file " + second.string()), std::string::npos);
}

TEST(FileLockTest, AnUnrecordedOrGarbledHolderIsDescribedAsUnknown) {
  testing::TempDir dir;
  EXPECT_EQ(describe_lock_holder(dir.path() / "missing.lock"), "an unknown process");
  atomic_write_file(dir.path() / "garbled.lock", "{\"pid\": \"x\"}");
  EXPECT_EQ(describe_lock_holder(dir.path() / "garbled.lock"), "an unknown process");
  FileLock lock;
  ASSERT_TRUE(lock.try_lock(dir.path() / "held.lock", /*exclusive=*/true));
  lock.record_holder();
  EXPECT_NE(describe_lock_holder(dir.path() / "held.lock").find("since 20"), std::string::npos);
  FileLock shared;
  EXPECT_FALSE(shared.try_lock(dir.path() / "held.lock", /*exclusive=*/false));
  lock.release();
  EXPECT_TRUE(shared.try_lock(dir.path() / "held.lock", /*exclusive=*/false));
}

// lock() waits for the holder instead of refusing (make_data: a second maker of a shared data
// folder waits, then finds it current): a thread blocks in lock() until the main thread
// releases, and only then writes its mark.
TEST(FileLockTest, LockWaitsForTheHolderToRelease) {
  testing::TempDir dir;
  const fs::path path = dir.path() / "data.lock";
  FileLock first;
  ASSERT_TRUE(first.try_lock(path, /*exclusive=*/true));
  std::atomic<bool> second_holds{false};
  std::thread waiter([&] {
    FileLock second;
    second.lock(path);
    second_holds = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(second_holds) << "lock() took a lock another holds";
  first.release();
  waiter.join();
  EXPECT_TRUE(second_holds);
}

}  // namespace
}  // namespace r1forge
