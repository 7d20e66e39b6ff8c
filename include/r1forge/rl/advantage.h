// Sequence-level advantage estimators for GRPO-style training: grpo (group mean, std scaled per
// group / batch / not at all, as TRL's `scale_rewards`), dr_grpo (no std scaling), rloo
// (leave-one-out baseline, as TRL's RLOOTrainer) and reinforce_pp / reinforce_pp_baseline
// (batch-whitened REINFORCE++, KL in the reward). Rewards come per reward function with NaN
// meaning "none" (the function could not score the sample); they are combined and counted the
// way TRL does it (see compute_advantages). Each advantage is one number per completion; the
// loss broadcasts it to the completion's tokens.
// Not here: the policy loss, KL in the loss, token-level (return-to-go) REINFORCE++, TRL's
// `multi_objective_aggregation: normalize_then_sum`, dynamic sampling (DAPO group filtering).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge {

enum class AdvantageEstimator {
  ADVANTAGE_GRPO,          // "grpo": (r - mean_group) / (std + epsilon), std per scale_rewards
  ADVANTAGE_DR_GRPO,       // "dr_grpo": r - mean_group (TRL grpo with scale_rewards: none)
  ADVANTAGE_RLOO,          // "rloo": r - mean of the other scorable samples of the group
  ADVANTAGE_REINFORCE_PP,  // "reinforce_pp": whiten(r - beta*kl) over the batch
  ADVANTAGE_REINFORCE_PP_BASELINE,  // "reinforce_pp_baseline": whiten(r - mean_group) over batch
};

// TRL GRPOConfig `scale_rewards`: which std divides (r - mean_group) for the grpo estimator.
enum class RewardScaling {
  SCALE_GROUP,  // "group" (TRL default): the group's std
  SCALE_BATCH,  // "batch": the std of every scorable reward of the batch (Lite-PPO)
  SCALE_NONE,   // "none": no division (same advantages as dr_grpo)
};

struct AdvantageConfig {
  AdvantageEstimator estimator = AdvantageEstimator::ADVANTAGE_GRPO;
  // Read by grpo only; the other estimators fix their own scaling.
  RewardScaling scale_rewards = RewardScaling::SCALE_GROUP;
  // Added to every std before dividing (TRL hard-codes 1e-4; verl uses 1e-6). Must be >= 0.
  double std_epsilon = 1e-4;
  // rloo only, TRL RLOOConfig `normalize_advantages`: whiten the advantages over the batch.
  bool normalize_advantages = false;
  // Coefficient of the KL penalty folded into the reward, r <- r - coef * kl (TRL RLOO `beta`,
  // default 0.05 there; verl `use_kl_in_reward` + `kl_ctrl.kl_coef`). rloo and reinforce_pp*
  // only; 0 = off. Non-zero requires the per-sample KL argument of compute_advantages.
  double kl_in_reward_coef = 0.0;
};

struct AdvantageResult {
  at::Tensor advantages;  // [B*G] fp32, 0 for unscorable samples; samples of a prompt contiguous
  at::Tensor rewards;     // [B*G] fp32 combined reward sum_f w_f r_f over scored functions
                          // (before any KL penalty); NaN for an unscorable sample
  int64_t num_groups = 0;
  int64_t zero_std_groups = 0;        // groups with >= 2 scorable samples whose rewards are equal
  double frac_reward_zero_std = 0.0;  // zero_std_groups / num_groups (1 when G == 1, as TRL)
  int64_t none_rewards = 0;           // (sample, function) scores that were none (NaN)
  int64_t unscorable_samples = 0;     // samples for which every function returned none
  double reward_mean = 0.0;           // TRL `reward`: mean combined reward over scorable samples
  double reward_std = 0.0;            // TRL `reward_std`: Bessel std of the same; NaN if < 2
};

// per_function_rewards [B*G, F] (any floating dtype, any device; NaN = none, +-inf rejected),
// weights [F] (TRL `reward_weights`), group_size G > 0 (TRL `num_generations`); B*G must be a
// multiple of G. sequence_kl [B*G] (optional, undefined = none): per-sample KL summed over the
// completion's tokens (e.g. sum_t (logp_old - logp_ref), TRL RLOO's k1); required when
// config.kl_in_reward_coef != 0, which only rloo and reinforce_pp* accept.
//
// TRL semantics (grpo_trainer.py / rloo_trainer.py, sum_then_normalize):
//  - a none score drops out of the weighted sum (nansum), so a partly scored sample is combined
//    from its scored functions; a sample with every function none is unscorable: it is left out
//    of every mean and std and its advantage is 0;
//  - std is the Bessel (unbiased) std of the scorable values; with fewer than 2 of them it is
//    undefined and the affected advantages become 0 (TRL's nan_to_num).
// Computed in double on the CPU; the result tensors live on per_function_rewards' device.
// Throws DataError on bad shapes or non-finite values, ConfigError on a bad config.
AdvantageResult compute_advantages(const at::Tensor& per_function_rewards,
                                   const std::vector<double>& weights,
                                   int64_t group_size,
                                   const AdvantageConfig& config,
                                   const at::Tensor& sequence_kl = at::Tensor());

// Names as written in YAML ("grpo", "dr_grpo", "rloo", "reinforce_pp", "reinforce_pp_baseline";
// "group", "batch", "none"). Parsing throws ConfigError listing the valid names.
AdvantageEstimator parse_advantage_estimator(std::string_view name);
RewardScaling parse_reward_scaling(std::string_view name);
std::string to_string(AdvantageEstimator estimator);
std::string to_string(RewardScaling scaling);

}  // namespace r1forge
