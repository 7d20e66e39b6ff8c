// The `grpo:` section of a stage: data, rewards, rollout shape, the advantage estimator, the
// policy-loss family, the reference model, the optimizer, logging and evaluation. Option names
// are TRL GRPOConfig's wherever TRL has the knob (num_generations, max_completion_length,
// num_iterations, beta, epsilon, epsilon_high, delta, loss_type, scale_rewards,
// importance_sampling_level, mask_truncated_completions, sync_ref_model, ...), so a TRL
// config carries over key by key. Defaults are TRL's unless a comment says otherwise.
// Not here: the loop (grpo_stage.h), the formulas (rl/advantage.h, rl/policy_loss.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/checkpoint.h"
#include "r1forge/rl/advantage.h"
#include "r1forge/rl/policy_loss.h"
#include "r1forge/rl/reward.h"
#include "r1forge/sampling/generation_config.h"

namespace r1forge {

// Held-out evaluation during the stage: k samples per prompt, scored with the stage's rewards,
// drawn like the rollouts (length, stop strings) but at R1's evaluation temperature and top-p
// and without top-k, min-p or penalties (GrpoConfig::eval_generation).
struct GrpoEvalConfig {
  PromptDataConfig data;        // data.path empty = no evaluation
  int64_t eval_steps = 0;       // evaluate every N steps (and after the last); 0 = only at the end
  int64_t num_generations = 4;  // k samples per prompt
  double temperature = 0.6;     // R1's evaluation setting
  double top_p = 0.95;          // R1's evaluation setting

  bool operator==(const GrpoEvalConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("data", data, "held-out prompts (data.path empty = no evaluation)");
    v.field("eval_steps", eval_steps, "evaluate every N steps and at the end; 0 = end only",
            IntRange{0, INT64_MAX});
    v.field("num_generations", num_generations, "samples per held-out prompt",
            IntRange{1, 1 << 16});
    v.field("temperature", temperature, "sampling temperature (R1: 0.6)", RealRange{0.0, 100.0});
    v.field("top_p", top_p, "nucleus mass (R1: 0.95)", RealRange{0.0, 1.0, true});
  }
};

// One prompt set of a mixed GRPO stage (R1's general RL: reasoning prompts scored by rules,
// general prompts by reward models). Given as `sources:` in place of data and rewards.
struct GrpoSourceConfig {
  std::string name;                 // metrics: rewards/<name>/<label>/..., sources/<name>/...
  PromptDataConfig data;            // its prompts
  std::vector<RewardSpec> rewards;  // score its samples only
  double weight = 1.0;              // share of every step's prompts: weight / sum of weights

  bool operator==(const GrpoSourceConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("name", name, "source name (metrics rewards/<name>/..., sources/<name>/...)");
    v.field("data", data, "this source's prompts");
    v.field("rewards", rewards, "rewards that score this source's samples");
    v.field("weight", weight, "share of each step's prompts: weight / sum of the weights",
            RealRange{0.0, 1e6, true});
  }
};

struct GrpoConfig {
  PromptDataConfig data;            // training prompts
  std::vector<RewardSpec> rewards;  // summed with their weights (R1: accuracy + format)
  // Or several prompt sets, each with its own rewards, mixed in proportion (then data.path and
  // rewards stay empty); the held-out evaluation is scored by the first source's rewards.
  std::vector<GrpoSourceConfig> sources;
  // ---- rollout shape
  int64_t max_steps = 100;        // GRPO steps (rollout batches); TRL counts optimizer steps
  int64_t prompts_per_step = 16;  // B distinct prompts per step (R1: 32)
  int64_t num_generations = 8;    // G samples per prompt (R1: 16)
  int64_t num_iterations = 1;     // mu: passes over each rollout batch (TRL default 1)
  int64_t mini_batch_size = 0;    // completions per optimizer step; 0 = all B*G (one step)
  int64_t micro_batch_size = 16;  // completions per forward/backward (gradient accumulation)
  // A micro-batch's completions of one prompt attend to that prompt's keys/values, computed
  // once (rl/shared_prompt_logprobs.h); r1forge's default, TRL recomputes it per completion.
  bool shared_prompt_forward = true;
  // ---- generation: max_completion_length (256; TRL's default is 512), temperature (> 0; the
  // training log-probs use it), top_p, top_k, min_p, penalties, stop strings; spliced flat into
  // this section. Engine settings like batch size come from the top-level `sampling:`.
  GenerationSettings generation;
  bool mask_truncated_completions = false;  // DAPO overlong filtering: no loss on truncated
  // ---- advantages
  std::string advantage_estimator = "grpo";  // grpo | dr_grpo | rloo | reinforce_pp | ..._baseline
  std::string scale_rewards = "group";       // group | batch | none (grpo only)
  bool normalize_advantages = false;         // rloo: whiten over the batch
  bool dynamic_sampling = false;             // DAPO: drop zero-variance groups, draw more
  int64_t max_sampling_rounds = 10;          // bound on rollout rounds per step (verl: 10)
  // ---- loss
  std::string loss_type = "dapo";                   // grpo | bnpo | dr_grpo | dapo
  std::string importance_sampling_level = "token";  // token | sequence (GSPO)
  double epsilon = 0.2;                             // lower clip (R1: 10, i.e. nearly off)
  std::optional<double> epsilon_high;               // upper clip; null = epsilon (DAPO: 0.28)
  std::optional<double> delta;          // dual-clip cap on the ratio; null = off (verl: 3)
  double beta = 0.0;                    // KL coefficient; 0 = no reference model loaded
  std::string kl_estimator = "auto";    // auto (k3 in the loss, k1 in the reward: TRL) | k1-k3
  double kl_log_ratio_clamp = 0.0;      // clamp logp - ref to +-this in the KL; 0 = off
  std::string kl_in = "loss";           // loss | reward (reward: rloo, reinforce_pp* only)
  bool use_bias_correction_kl = false;  // multiply the KL by the importance ratio
  double entropy_coef = 0.0;            // entropy bonus (verl entropy_coeff)
  // Old-policy log-probs: auto = exactly on-policy (ratio 1) when the rollout is used for one
  // optimizer step, else the sampler's (the policy has not moved since sampling); sampler;
  // or recompute (one no-grad pass, e.g. when sampling ran at another precision).
  std::string old_logprobs = "auto";
  // ---- reference model (beta > 0)
  bool sync_ref_model = false;         // reset the reference to the policy periodically
  int64_t ref_model_sync_steps = 512;  // every N steps (R1: 400)
  double ref_model_mixup_alpha = 0.6;  // ref <- a*policy + (1-a)*ref (R1: 1, a hard reset)
  // ---- optimizer
  OptimizerConfig optimizer;
  // ---- logging, evaluation, saving
  int64_t logging_steps = 1;          // console line every N steps (metrics.jsonl gets every step)
  int64_t log_completions = 2;        // completions per step written to samples.jsonl; 0 = none
  int64_t log_completions_steps = 1;  // samples.jsonl gets them every N steps (and the last)
  GrpoEvalConfig eval;
  CheckpointConfig checkpoint;        // save_steps, save_minutes, save_total_limit, best metric
  int64_t logprob_chunk_rows = 1024;  // positions per log-softmax chunk (bounds [C, V] memory)

  bool operator==(const GrpoConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v);

  // kl_estimator with auto resolved against kl_in: k3 in the loss (TRL GRPOTrainer), k1 in
  // the reward (TRL RLOOTrainer's summed log-ratio penalty).
  std::string effective_kl_estimator() const;
  // Replaces defaults that depend on other keys (kl_estimator: auto) with their value, so the
  // resolved config shows what runs; load_config calls it.
  void resolve_defaults();
  PolicyLossConfig policy_loss_config() const;
  AdvantageConfig advantage_config() const;
  // The held-out evaluation's generation settings: the rollouts' with eval.temperature and
  // eval.top_p, and no top-k, min-p or penalties.
  GenerationSettings eval_generation() const;
  // Cross-field checks the per-field constraints cannot express; ConfigError naming `where`.
  void validate(const std::string& where) const;
};

}  // namespace r1forge

#include "r1forge/pipeline/grpo_config_fields.h"
