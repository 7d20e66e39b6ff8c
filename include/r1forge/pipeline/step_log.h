// Where a training stage's step metrics go, from one place: metrics.jsonl with TensorBoard
// events beside it (core/metrics.h; the main rank only) and the console's step line, one per
// `logging_steps` in llm.c's manner:
//   reasoning_rl  25/200 | loss 0.0123 | reward 1.262 ± 0.425 | accuracy 0.766 format 0.992 |
//   kl 0.0012 | clip 0.4% | len 37.6 | lr 2.00e-05 | gnorm 0.950 | 6.4k tok/s | MFU 1.2% |
//   rollout 0.45s reward 0.01s logprobs 0.05s update 0.25s | ETA 2m31s
// (one line on the console). It adds `mfu` (model FLOPs over the step's wall time and the
// machine's measured matmul peak, core/gemm_peak.h) to the metrics. Not here: the metric
// values themselves (the stages), progress bars within a step (core/progress_bar.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "r1forge/core/metrics.h"
#include "r1forge/core/timer.h"

namespace r1forge {

struct StepLogOptions {
  std::string stage;                       // the stage's name, first on the line
  int64_t total_steps = 0;                 // steps of the whole stage (the line's "/total")
  int64_t resumed_steps = 0;               // steps an earlier attempt did (restored): 0 = fresh
  int64_t logging_steps = 1;               // a console line every this many steps (and 1, last)
  std::filesystem::path metrics_path;      // metrics.jsonl; empty = no files (ranks after 0)
  std::vector<std::string> reward_labels;  // each reward's mean shown by its label (GRPO)
  double peak_flops_per_second = 0;        // the MFU denominator; 0 = no MFU
};

class StepLog {
 public:
  explicit StepLog(StepLogOptions options);
  ~StepLog();

  // Adds `mfu` to `metrics` when `model_flops` and the peak are known (model FLOPs: the
  // useful work of the step, e.g. 6 N per trained token; padding and recomputation not
  // counted), writes them to the files and prints the console line when it is due.
  void record(int64_t step, MetricValues& metrics, double model_flops = 0);
  // Evaluation figures at `step` (keys eval/...) written on their own and shown as an
  // "eval" line, when the stage evaluates apart from its training step (GRPO).
  void record_evaluation(int64_t step, const MetricValues& metrics);

 private:
  StepLogOptions options_;
  std::unique_ptr<MetricsWriter> writer_;
  Timer clock_;  // since this attempt's first step began: the ETA's average step
};

// The console line for `metrics` at `step` (the fields present in `metrics`, in a fixed
// order; see the header comment). `eta_seconds` < 0 leaves the ETA out.
std::string format_step_line(const std::string& stage,
                             int64_t step,
                             int64_t total_steps,
                             const MetricValues& metrics,
                             const std::vector<std::string>& reward_labels,
                             double eta_seconds);

// "812", "6.4k", "13.2k", "1.25M": a rate on the console.
std::string format_count(double value);

}  // namespace r1forge
