// One process's hold on a run folder, for as long as it works there: the locks that keep a
// second process out, and the log file of this attempt.
//   `r1forge run`        locks/run.lock exclusively: no other run and no `r1forge stage`;
//   `r1forge stage NAME` locks/run.lock shared (no `r1forge run` meanwhile) and
//                        locks/stage-NAME.lock exclusively (no second process on that stage);
//                        `r1forge stage` on two different stages of one run may work side by
//                        side (each writes only its own stage folder).
// A process that finds a lock taken fails at once with an IoError (exit 1) naming the PID,
// host and command of the holder. flock(2) locks die with their process, so a run killed by
// SIGKILL leaves nothing that blocks its resume (core/file_lock.h).
// The log file is logs/<run|stage-NAME>-<UTC time>-<pid>.log: every line the console shows,
// one file per attempt, never overwritten.
// Not here: what the runner does in the folder (runner.h).
#pragma once

#include <filesystem>
#include <string>

#include "r1forge/core/file_lock.h"

namespace r1forge {

class RunSession {
 public:
  // `r1forge run` on `run_dir` (created if missing).
  explicit RunSession(const std::filesystem::path& run_dir);
  // `r1forge stage NAME` on `run_dir`.
  RunSession(const std::filesystem::path& run_dir, const std::string& stage);
  RunSession(const RunSession&) = delete;
  RunSession& operator=(const RunSession&) = delete;
  ~RunSession();  // closes the log file, then releases the locks

  const std::filesystem::path& log_file() const { return log_file_; }

 private:
  void open_log(const std::filesystem::path& run_dir, const std::string& label);

  FileLock run_lock_;
  FileLock stage_lock_;
  std::filesystem::path log_file_;
};

// locks/run.lock and locks/stage-NAME.lock of `run_dir`.
std::filesystem::path run_lock_path(const std::filesystem::path& run_dir);
std::filesystem::path stage_lock_path(const std::filesystem::path& run_dir,
                                      const std::string& stage);

}  // namespace r1forge
