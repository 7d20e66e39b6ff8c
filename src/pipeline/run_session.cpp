// Run-folder locks and the attempt's log file; see pipeline/run_session.h.
#include "r1forge/pipeline/run_session.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/utc_time.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

const char* const kBusyAdvice =
    ": two processes in one run folder would overwrite each other's checkpoints and logs. "
    "Wait for it to end or stop it; a stopped or killed process leaves no lock behind";

// Who holds the stage locks of `run_dir` now, "" when nobody does.
std::string stage_lock_holders(const fs::path& run_dir) {
  std::string holders;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_dir / "locks", error)) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("stage-") || !file.ends_with(".lock")) continue;
    FileLock probe;
    if (probe.try_lock(entry.path(), /*exclusive=*/true)) continue;  // free
    const std::string stage = file.substr(6, file.size() - 11);
    if (!holders.empty()) holders += "; ";
    holders += "r1forge stage '" + stage + "' by " + describe_lock_holder(entry.path());
  }
  return holders;
}

}  // namespace

fs::path run_lock_path(const fs::path& run_dir) {
  return run_dir / "locks" / "run.lock";
}

fs::path stage_lock_path(const fs::path& run_dir, const std::string& stage) {
  return run_dir / "locks" / ("stage-" + stage + ".lock");
}

RunSession::RunSession(const fs::path& run_dir) {
  if (!run_lock_.try_lock(run_lock_path(run_dir), /*exclusive=*/true)) {
    // Held by a run (which recorded itself in run.lock) or by stage commands (which hold it
    // shared and recorded themselves in their stage locks). A stage command between taking
    // the shared lock and its stage lock is not visible yet: look again a moment later.
    std::string holders;
    for (int attempt = 0; attempt < 5 && holders.empty(); ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      holders = stage_lock_holders(run_dir);
    }
    if (holders.empty()) holders = describe_lock_holder(run_lock_path(run_dir));
    R1F_THROW(IoError, "the run folder ", run_dir.string(), " is in use by ", holders, kBusyAdvice);
  }
  run_lock_.record_holder();
  open_log(run_dir, "run");
}

RunSession::RunSession(const fs::path& run_dir, const std::string& stage) {
  if (!run_lock_.try_lock(run_lock_path(run_dir), /*exclusive=*/false)) {
    R1F_THROW(IoError, "the run folder ", run_dir.string(), " is in use by ",
              describe_lock_holder(run_lock_path(run_dir)), kBusyAdvice);
  }
  const fs::path lock = stage_lock_path(run_dir, stage);
  if (!stage_lock_.try_lock(lock, /*exclusive=*/true)) {
    R1F_THROW(IoError, "stage '", stage, "' of the run folder ", run_dir.string(), " is in use by ",
              describe_lock_holder(lock), kBusyAdvice);
  }
  stage_lock_.record_holder();
  open_log(run_dir, "stage-" + stage);
}

void RunSession::open_log(const fs::path& run_dir, const std::string& label) {
  const std::string base = label + "-" + utc_time_compact() + "-" + std::to_string(::getpid());
  log_file_ = run_dir / "logs" / (base + ".log");
  // Never an earlier attempt's file, even if a PID comes round again within the second.
  for (int n = 2; fs::exists(log_file_); ++n) {
    log_file_ = run_dir / "logs" / (base + "-" + std::to_string(n) + ".log");
  }
  std::error_code error;
  fs::create_directories(log_file_.parent_path(), error);
  R1F_CHECK_IO(!error, "cannot create ", log_file_.parent_path().string(), ": ", error.message());
  log::add_file_sink(log_file_);
  R1F_LOG_INFO("r1forge: ", process_command_line(), " (PID ", ::getpid(), "); log file ",
               log_file_.string());
}

RunSession::~RunSession() {
  if (!log_file_.empty()) log::remove_file_sink();
}

}  // namespace r1forge
