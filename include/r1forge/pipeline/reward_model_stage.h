// The reward_model stage type: a reward model (model/reward_model.h) trained on the stage's
// `reward_model:` section and written to stages/NN-<name>/final/ as an HF
// *ForSequenceClassification folder with the tokenizer files, plus reward_model.json (the
// held-out pair accuracy the run report shows). `init` is a causal-LM folder (the body's
// weights; the score head drawn from run.seed and the stage name) or a reward-model folder
// (trained further). Not here: the loop (reward_model_trainer.h), the loss (rl/bradley_terry.h).
#pragma once

#include <filesystem>

#include "r1forge/model/reward_model.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {

// The stage's starting model on model.device in model.dtype, with the tokenizer (model.tokenizer,
// else the init folder's) in `tokens` (its `model` left null; pad_id = the reward model's
// pad_token_id). ConfigError naming the stage when init is not a model folder, no tokenizer
// is found, or the tokenizer's vocabulary is larger than the model's.
RewardModel load_reward_stage_model(const Config& config,
                                    const StageConfig& stage,
                                    StageModel& tokens);

// Writes `model` as an HF folder (save_reward_model) with the tokenizer files of `tokens`
// into `folder`, atomically (stage.h replace_folder).
void save_reward_stage_model(RewardModel& model,
                             const StageModel& tokens,
                             const std::filesystem::path& folder);

void run_reward_model_stage(const Config& config, const StageConfig& stage);

}  // namespace r1forge
