// The GRPO stage: reasoning RL with group-relative advantages and rule rewards, as DeepSeek-R1
// trained R1-Zero and R1's reasoning and general RL stages. One step:
//   rollouts (G per prompt) -> rewards -> [dynamic sampling] -> reference (and old) log-probs
//   -> advantages -> num_iterations x mini-batches x micro-batches of policy loss -> AdamW
//   -> metrics -> [reference reset] -> [evaluation] -> [model snapshot]
// Writes into the stage folder (replacing the logs of an earlier attempt): metrics.jsonl (TRL
// metric names) with TensorBoard events beside it, samples.jsonl (a few
// completions per step), checkpoints/step-XXXXXXX/ snapshots, and final/ (an HF model folder).
// What it simplifies, plainly: rollouts and training alternate on one process (no separate
// inference server, no async generation); snapshots hold the model only — resuming a stage
// from a checkpoint with optimizer and RNG state is [order 5].
#pragma once

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// Runs `stage` (type grpo) of `config`. ConfigError/DataError/IoError for bad input, found
// before the first step where possible (datasets, rewards, model, tokenizer).
void run_grpo_stage(const Config& config, const StageConfig& stage);

}  // namespace r1forge
