// Training metrics: one JSON object per logged step appended to a stage's `metrics.jsonl`. Names
// follow TRL (`reward`, `rewards/<name>/mean`, `kl`, `clip_ratio/low_mean`, ...) so dashboards
// built for TRL read r1forge's files unchanged. Each line is written whole and flushed, so a killed
// run leaves only complete lines. Optionally the same values also go to a TensorBoard events file
// (core/tensorboard.h). Not here: the event-file encoding itself (tensorboard.h), the console's
// step line (pipeline/step_log.h, which writes through this), checkpoint bookkeeping.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge {

class TensorBoardWriter;

// One step's metrics, ordered by name; values are finite doubles or NaN (written as null).
using MetricValues = std::map<std::string, double>;

class MetricsWriter {
 public:
  // Appends to `path` (created with its folder if missing). IoError when it cannot be opened.
  // With `tensorboard`, every write() also goes to a new TensorBoard events file in
  // path.parent_path() (non-finite values left out there; see tensorboard.h).
  // `resumed_after` > 0 (a resumed stage) starts the TensorBoard file with a session start
  // at step resumed_after + 1, so the killed run's later events are dropped by TensorBoard.
  explicit MetricsWriter(const std::filesystem::path& path,
                         bool tensorboard = false,
                         int64_t resumed_after = 0);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  // Writes {"step": step, <name>: value, ...} as one line and flushes it; with TensorBoard on,
  // also one Event for `step`, flushed too.
  void write(int64_t step, const MetricValues& values);
  const std::filesystem::path& path() const { return path_; }
  // The TensorBoard sink, or nullptr when it is off.
  const TensorBoardWriter* tensorboard() const { return tensorboard_.get(); }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

// Each key's sum over the ranks of world() (core/distributed.h); a key some ranks lack counts
// as 0 there. The identity for one process. A collective: every rank calls it.
MetricValues sum_over_ranks(const MetricValues& local, std::string_view what);

}  // namespace r1forge
