// The `reward_model:` section of a stage of type reward_model: a scalar-head transformer
// trained with the Bradley–Terry loss on preference pairs (chosen vs rejected), as TRL's
// RewardTrainer does. Names follow TRL RewardConfig / HF TrainingArguments where they have the
// knob (batch_size = per_device_train_batch_size, in pairs; center_rewards_coefficient).
// Not here: the loop (reward_model_trainer.h), the data format (data/preference_dataset.h),
// the loss (rl/bradley_terry.h).
#pragma once

#include <cstdint>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/preference_dataset.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/checkpoint.h"
#include "r1forge/rl/bradley_terry.h"

namespace r1forge {

// TRL RewardConfig's optimizer defaults: lr 1e-4, linear decay, no warmup.
inline OptimizerConfig reward_model_optimizer_defaults() {
  OptimizerConfig config;
  config.learning_rate = 1e-4;
  config.schedule.lr_scheduler_type = "linear";
  return config;
}

struct RewardModelConfig {
  PreferenceDataConfig data;       // training pairs
  PreferenceDataConfig eval_data;  // held-out pairs; empty path = eval_fraction of data
  double eval_fraction = 0.0;      // share of data's pairs held out when eval_data.path is empty
  int64_t num_epochs = 1;          // passes over the pairs (TRL num_train_epochs; 3 there)
  int64_t max_steps = 0;           // > 0: exactly this many optimizer steps, epochs ignored
  int64_t batch_size = 8;          // pairs per optimizer step (TRL per_device_train_batch_size)
  int64_t micro_batch_size = 8;    // pairs per forward/backward (2 rows each: chosen, rejected)
  BradleyTerryConfig loss;         // center_rewards_coefficient (in this section, as TRL's)
  OptimizerConfig optimizer = reward_model_optimizer_defaults();
  int64_t logging_steps = 10;   // console line every N steps (metrics.jsonl gets all)
  int64_t eval_steps = 0;       // held-out accuracy every N steps and at the end; 0 = end only
  CheckpointConfig checkpoint;  // save_steps, save_minutes, save_total_limit, best metric

  bool operator==(const RewardModelConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("data", data, "training preference pairs (prompt, chosen, rejected)");
    v.field("eval_data", eval_data,
            "held-out preference pairs; empty path = eval_fraction of data");
    v.field("eval_fraction", eval_fraction,
            "share of data's pairs held out when eval_data.path is empty",
            RealRange{0.0, 1.0, false, true});
    v.field("num_epochs", num_epochs, "passes over the pairs", IntRange{1, 1 << 20});
    v.field("max_steps", max_steps, "optimizer steps; > 0 overrides num_epochs",
            IntRange{0, INT64_MAX});
    v.field("batch_size", batch_size, "pairs per optimizer step", IntRange{1, 1 << 24});
    v.field("micro_batch_size", micro_batch_size, "pairs per forward/backward",
            IntRange{1, 1 << 24});
    loss.visit(v);  // center_rewards_coefficient sits in this section, as in TRL RewardConfig
    v.field("optimizer", optimizer, "AdamW and schedule (TRL RewardConfig: lr 1e-4, linear)");
    v.field("logging_steps", logging_steps, "console line every N steps", IntRange{1, INT64_MAX});
    v.field("eval_steps", eval_steps, "held-out accuracy every N steps; 0 = end only",
            IntRange{0, INT64_MAX});
    checkpoint.visit(v);  // its keys sit in this section, as in HF TrainingArguments
  }
};

}  // namespace r1forge
