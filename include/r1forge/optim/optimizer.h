// The optimizer of every training stage: AdamW with Hugging Face Trainer's parameter groups
// (no weight decay on biases and norm weights), global gradient-norm clipping, and a guard that
// skips an update whose gradient is not finite and aborts (NumericError) after too many in a
// row. Its whole state (moments, per-parameter step counts, schedule position, skip counters)
// comes out as named tensors and counters for checkpoints, and goes back in bit for bit.
// Option names are TRL/HF TrainingArguments'.
// Not here: the learning-rate schedule (lr_schedule.h), checkpoint files (training_state.h).
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/optim/lr_schedule.h"
#include "r1forge/optim/sharded_adamw.h"

namespace r1forge {

class GradientSync;  // optim/gradient_sync.h

struct OptimizerConfig {
  double learning_rate = 1e-6;  // peak lr (TRL GRPOConfig default 1e-6; SFT wants ~1e-5..1e-4)
  double weight_decay = 0.0;    // decoupled (AdamW); not applied to biases and norm weights
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;  // clip the global L2 norm to this; 0 = no clipping (still logged)
  LrScheduleConfig schedule;   // lr_scheduler_type, warmup
  int64_t skip_nonfinite_steps =
      3;  // consecutive non-finite updates skipped, then abort; 0 = abort

  bool operator==(const OptimizerConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("learning_rate", learning_rate, "peak learning rate", RealRange{0.0, 10.0});
    v.field("weight_decay", weight_decay, "AdamW decoupled decay (not on biases and norms)",
            RealRange{0.0, 10.0});
    v.field("adam_beta1", adam_beta1, "AdamW beta1", RealRange{0.0, 1.0, false, true});
    v.field("adam_beta2", adam_beta2, "AdamW beta2", RealRange{0.0, 1.0, false, true});
    v.field("adam_epsilon", adam_epsilon, "AdamW epsilon", RealRange{0.0, 1.0, true});
    v.field("max_grad_norm", max_grad_norm, "clip the global gradient L2 norm; 0 = off",
            RealRange{0.0, 1e12});
    v.field("schedule", schedule, "learning-rate schedule");
    v.field("skip_nonfinite_steps", skip_nonfinite_steps,
            "consecutive non-finite loss/gradient updates skipped before aborting; 0 = abort",
            IntRange{0, 1 << 30});
  }
};

// What one optimizer step did.
struct StepResult {
  double grad_norm = 0.0;  // global L2 norm before clipping (NaN/inf when not finite)
  double learning_rate = 0.0;
  bool applied = false;  // false: the gradient was not finite, parameters left unchanged
};

// The optimizer's scalar state, saved beside its tensors.
struct OptimizerCounters {
  int64_t steps_taken = 0;            // applied updates: the schedule position
  int64_t calls = 0;                  // step() calls, applied or skipped
  int64_t consecutive_nonfinite = 0;  // skipped in a row up to now
  int64_t nonfinite_skips = 0;        // skipped since the stage started
};

class Optimizer {
 public:
  // `total_steps`: optimizer steps the stage will take (for decaying schedules).
  Optimizer(torch::nn::Module& model, const OptimizerConfig& config, int64_t total_steps);
  ~Optimizer();
  // Data parallel: the next backward is this rank's last before step(), so its gradient
  // buckets may leave while it runs (distributed.overlap_backward; gradient_sync.h). Calling
  // it is optional (without it the buckets leave in step()) and a no-op on one process.
  void overlap_next_backward();
  // Data parallel: this rank's backward passes for the step are done; sends the gradient
  // buckets not sent during backward. Call it before any other collective that comes between
  // the last backward and step() (collectives are matched by order, and a peer may have sent
  // its buckets during backward); step() does it otherwise.
  void backward_done();
  // Clip, then (if the norm is finite) set the scheduled lr and take one AdamW step; gradients
  // are zeroed either way. Advances the schedule only when the step was applied. A non-finite
  // norm (from a NaN/inf loss or gradient) skips the update; more than skip_nonfinite_steps in
  // a row throws NumericError (parameters stay at the last good update).
  StepResult step();
  void zero_grad();
  int64_t steps_taken() const { return counters_.steps_taken; }
  const OptimizerCounters& counters() const { return counters_; }
  const std::vector<at::Tensor>& parameters() const { return parameters_; }
  // True under distributed.zero_stage 1 with more than one rank.
  bool sharded() const { return sharded_ != nullptr; }
  // Bytes of AdamW moments this rank holds (0 before the first step).
  int64_t state_bytes() const;

  // AdamW state as `exp_avg/<name>`, `exp_avg_sq/<name>` and `step/<name>` ([1] int64), for
  // the parameters that have taken a step (names: the module's named_parameters()). Under
  // ZeRO-1 (sharded()) a collective that gathers the shards to rank 0: every rank must call
  // it, and only rank 0's answer holds the state (the others' is empty).
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Restores what state_tensors() gave (copied onto each parameter's device and dtype) and the
  // counters; under ZeRO-1 this rank keeps its slice, so a state saved under any world size
  // and zero_stage loads. DataError naming `source` when a tensor is missing or has the wrong
  // shape.
  void load_state(const std::map<std::string, at::Tensor>& tensors,
                  const OptimizerCounters& counters,
                  const std::string& source);

 private:
  OptimizerConfig config_;
  int64_t total_steps_;
  OptimizerCounters counters_;
  std::vector<at::Tensor> parameters_;
  std::vector<std::string> names_;               // parallel to parameters_
  std::unique_ptr<torch::optim::AdamW> adamw_;   // replicated state (zero_stage 0, one rank)
  std::unique_ptr<ShardedAdamW> sharded_;        // or ZeRO-1's shards
  std::unique_ptr<GradientSync> gradient_sync_;  // data parallel, zero_stage 0
  bool state_logged_ = false;                    // the per-rank state size, said once
  void log_state_bytes();
};

// Global L2 norm of the gradients of `parameters` (those without a gradient count as zero).
// One device sync (the norm comes back to the CPU).
double gradient_norm(const std::vector<at::Tensor>& parameters);

}  // namespace r1forge
