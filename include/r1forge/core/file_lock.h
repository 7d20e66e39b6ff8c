// An advisory lock on a file with flock(2), held for the life of the object; try_lock never
// waits, lock() does.
// The kernel drops an flock when the last descriptor of its open file closes, which includes
// the death of the process by any signal: a killed holder never leaves a lock that blocks the
// next process. The descriptor is close-on-exec, so child processes (an external reward
// scorer) never inherit it and never keep it alive after their parent died. An exclusive
// holder writes its PID, host, start time and command line into the file, so a process that
// finds the lock taken can say who holds it.
// Not here: which files a run locks (pipeline/run_lock.h).
#pragma once

#include <filesystem>
#include <string>

namespace r1forge {

class FileLock {
 public:
  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();

  // Opens (creating) `path` and takes the lock, exclusive or shared, without waiting. True
  // when held; false when another open file description holds a conflicting lock (this very
  // process included: two FileLocks on one file conflict). IoError when the file cannot be
  // created or opened, naming it.
  bool try_lock(const std::filesystem::path& path, bool exclusive);
  // Opens (creating) `path` and takes the lock exclusively, waiting as long as another holds
  // it (for work that a second process should wait for, not refuse: making a shared data
  // folder). IoError when the file cannot be created, opened or locked, naming it.
  void lock(const std::filesystem::path& path);
  // Replaces the file's content with this process's PID, host, UTC start time and command
  // line (/proc/self/cmdline). For exclusive holders, who alone own the content.
  void record_holder();
  bool held() const { return fd_ >= 0; }
  void release();

 private:
  bool acquire(const std::filesystem::path& path, bool exclusive, bool wait);

  int fd_ = -1;
  std::filesystem::path path_;
};

// "PID 1234 on host node7 since 2025-01-02T03:04:05Z (r1forge run x.yaml)" from a lock file an
// exclusive holder recorded; "an unknown process" when the file says nothing readable.
std::string describe_lock_holder(const std::filesystem::path& path);

// This process's command line as one string (arguments joined by spaces).
std::string process_command_line();

}  // namespace r1forge
