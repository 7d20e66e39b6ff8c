// The supervised training loop shared by the pretrain, sft and distill stages: epochs or a
// step budget over (optionally packed) batches, token-mean cross-entropy over the counted
// targets of the whole optimizer step (so gradient accumulation and packing leave the loss
// unchanged), AdamW with the schedule, held-out loss, metrics and model snapshots.
// A stage may add an auxiliary loss per micro-batch (logit distillation does).
// Not here: the data (data/sft_dataset.h), choosing the model (pipeline/stage.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "r1forge/core/metrics.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/model/transformer.h"
#include "r1forge/pipeline/sft_config.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {

class Optimizer;  // optim/optimizer.h

// Summed (not averaged) negative log-likelihood of batch's counted targets under `model`,
// through the chunked log-softmax (never a [N, T, V] fp32 tensor). Also returns the final
// hidden states [N, T, E] for an auxiliary loss.
struct SftForward {
  at::Tensor nll_sum;  // [] fp32, differentiable
  at::Tensor hidden;   // [N, T, E]
};
SftForward sft_forward(Transformer& model, const SftBatch& batch, int64_t chunk_rows);

// An extra loss on one micro-batch, summed over its counted targets like nll_sum (the trainer
// divides both by the step's target count). Adds what it wants to log to `metrics` (sums).
using AuxiliaryLoss =
    std::function<at::Tensor(const SftBatch& batch, const at::Tensor& hidden, MetricValues& sums)>;

struct SftResult {
  int64_t steps = 0;
  double final_loss = 0.0;      // training loss of the last step
  double held_out_loss = -1.0;  // last held-out loss; -1 = no held-out set
};

class SftTrainer {
 public:
  // `text_rows` = pretraining (text rows, every token counted). `directory` receives
  // metrics.jsonl, TensorBoard events, checkpoints/ and final/.
  SftTrainer(const SftConfig& config,
             StageModel& model,
             std::filesystem::path directory,
             std::string stage_name,
             uint64_t seed,
             bool text_rows);
  void set_auxiliary_loss(AuxiliaryLoss loss) { auxiliary_ = std::move(loss); }
  // Multiplies the cross-entropy term (1 by default; 0 = the auxiliary loss alone).
  void set_nll_weight(double weight) { nll_weight_ = weight; }
  // Trains from the newest valid checkpoint under `directory`/checkpoints (or from the start)
  // to the last step, then writes final/. InterruptedError after saving when a signal came.
  SftResult run();
  int64_t total_steps() const { return total_steps_; }
  // The step being trained (1-based; 0 before the first): lets an auxiliary loss derive
  // per-step seeds, so a resumed run draws what an uninterrupted one would.
  int64_t current_step() const { return step_; }
  // The micro-batch being computed, numbered within the step over all ranks (data parallel:
  // a rank computes only some), so per-micro-batch seeds do not depend on the world size.
  int64_t current_micro_batch() const { return micro_batch_; }
  // The YAML saved in checkpoints and compared on resume (default: the sft: section alone).
  void set_stage_config(std::string yaml) { stage_config_ = std::move(yaml); }

 private:
  // Forward and backward over `rows`; `optimizer` is told before this rank's last backward so
  // the gradient buckets may leave while it runs.
  MetricValues train_step(const std::vector<std::vector<int64_t>>& rows, Optimizer& optimizer);
  double held_out_loss();

  const SftConfig& config_;
  StageModel& model_;
  std::filesystem::path directory_;
  std::string name_;
  uint64_t seed_;
  std::string stage_config_;
  int64_t step_ = 0;
  int64_t micro_batch_ = 0;
  SftDataset train_;
  SftDataset held_out_;
  std::vector<std::vector<int64_t>> rows_;  // training rows: one example each, or packed bins
  int64_t total_steps_ = 0;
  AuxiliaryLoss auxiliary_;
  double nll_weight_ = 1.0;
};

}  // namespace r1forge
