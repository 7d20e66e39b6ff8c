// The reward-model training loop of the reward_model stage: epochs or a step budget over
// shuffled preference pairs, each micro-batch's chosen and rejected sequences scored in one
// forward ([2P, T] right-padded), the Bradley–Terry loss (rl/bradley_terry.h) weighted by the
// micro-batch's share of the step's pairs (so gradient accumulation and data parallel give the
// single-process gradient), AdamW with the schedule, held-out pair accuracy, metrics and
// checkpoints that resume bit for bit.
// Shapes: P pairs, T positions. Not here: loading the model and saving final/
// (reward_model_stage.h), the data (data/preference_dataset.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "r1forge/core/metrics.h"
#include "r1forge/data/preference_dataset.h"
#include "r1forge/model/reward_model.h"
#include "r1forge/pipeline/reward_model_config.h"
#include "r1forge/pipeline/training_state.h"
#include "r1forge/rl/bradley_terry.h"

namespace r1forge {

class Optimizer;  // optim/optimizer.h

// One micro-batch of pairs as the model reads it: rows 0..P-1 the chosen sequences, rows
// P..2P-1 the rejected ones, right-padded with `pad_id`.
struct PreferenceBatch {
  at::Tensor input_ids;       // [2P, T] int64
  at::Tensor attention_mask;  // [2P, T] int64, 1 = real token
  at::Tensor margins;         // [P] fp32 (0 where the row gave none)
  int64_t pairs = 0;          // P
  int64_t tokens = 0;         // real tokens of both sides
};
// `indices` into `pairs`; DataError when a pair has an empty side.
PreferenceBatch make_preference_batch(const std::vector<PreferencePair>& pairs,
                                      const std::vector<int64_t>& indices,
                                      int64_t pad_id);

// Scores the batch in one forward and applies the loss: chosen scores [P] and rejected [P].
BradleyTerryResult preference_loss(RewardModel& model,
                                   const PreferenceBatch& batch,
                                   const BradleyTerryConfig& config);

// The held-out pairs: eval_data's file, else the last eval_fraction of `train`'s pairs (which
// leave it), else none.
PreferenceDataset held_out_preferences(const RewardModelConfig& config,
                                       PreferenceDataset& train,
                                       const Tokenizer& tokenizer,
                                       const ChatTemplate* chat_template);

struct RewardModelResult {
  int64_t steps = 0;
  int64_t train_pairs = 0;
  int64_t held_out_pairs = 0;       // 0 = no held-out set (the held-out values are then -1)
  double final_loss = 0.0;          // training loss of the last step
  double held_out_loss = -1.0;      // at the end
  double held_out_accuracy = -1.0;  // share of held-out pairs with r_chosen > r_rejected
};

class RewardModelTrainer {
 public:
  // `model` is trained in place; `checkpoint` sees it for checkpoints (training_state.h);
  // `directory` receives metrics.jsonl, TensorBoard events and checkpoints/. `pad_id` pads the
  // batches (the model's pad_token_id, so the score is read at the last real token).
  RewardModelTrainer(const RewardModelConfig& config,
                     RewardModel& model,
                     CheckpointModel checkpoint,
                     PreferenceDataset train,
                     PreferenceDataset held_out,
                     int64_t pad_id,
                     std::filesystem::path directory,
                     std::string stage_name,
                     uint64_t seed,
                     std::string stage_config);
  // Trains from the newest valid checkpoint under `directory`/checkpoints (or from the start)
  // to the last step. InterruptedError after saving when a signal came.
  RewardModelResult run();
  int64_t total_steps() const { return total_steps_; }

 private:
  // Forward and backward over the step's pairs; metrics of the step (summed over ranks).
  MetricValues train_step(const std::vector<int64_t>& pairs, Optimizer& optimizer);
  // eval/loss, eval/accuracy, eval/margin over every held-out pair.
  MetricValues evaluate();

  const RewardModelConfig& config_;
  RewardModel& model_;
  CheckpointModel checkpoint_;
  PreferenceDataset train_;
  PreferenceDataset held_out_;
  int64_t pad_id_;
  std::filesystem::path directory_;
  std::string name_;
  uint64_t seed_;
  std::string stage_config_;
  int64_t total_steps_ = 0;
};

}  // namespace r1forge
