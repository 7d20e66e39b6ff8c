// The GRPO policy-loss family: clipped importance-weighted surrogate, optional KL and entropy
// terms, and the four aggregations of TRL's GRPOTrainer (grpo, bnpo, dr_grpo, dapo).
//
// The computation follows TRL 1.16 `GRPOTrainer._compute_loss` term for term (option names are
// TRL's); tests/golden/trl_loss holds fixtures produced by running that code
// (scripts/make_trl_fixtures.py). Extensions beyond TRL: kl_estimator k1/k2, a log-ratio clamp
// for the KL, and kl_in = reward. Not here: advantages, the model forward, the optimizer step.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "r1forge/rl/kl.h"

namespace r1forge {

// How per-token losses ℓ (masked by m) are reduced to a scalar, with B = rows in this batch:
//   GRPO:    mean_i( Σ_t ℓ·m / max(Σ_t m, 1) )             per-sequence mean (DeepSeekMath)
//   BNPO:    Σ ℓ·m / max(Σ m, 1)                          token mean over this micro-batch
//   DR_GRPO: Σ ℓ·m / (B · max_completion_length)          constant normaliser (Dr. GRPO)
//   DAPO:    Σ ℓ·m / max(global_active_tokens, 1)         token mean over the whole
//                                                          accumulation window (TRL default)
enum class LossType { GRPO, BNPO, DR_GRPO, DAPO };
// TOKEN: ratio ρ_t = exp(logp_t − old_t). SEQUENCE (GSPO): one ratio per sequence,
// s_i = exp(masked mean_t (logp − old)), shared by all its tokens.
enum class ImportanceSamplingLevel { TOKEN, SEQUENCE };
// LOSS: β·KL is added to every token's loss (GRPO). REWARD: the loss has no KL term; the
// trainer subtracts kl_reward_penalty() from the rewards instead. KL is still reported.
enum class KlPlacement { LOSS, REWARD };

// "grpo" | "bnpo" | "dr_grpo" | "dapo"; ConfigError naming the valid values otherwise.
LossType parse_loss_type(std::string_view name);
std::string_view loss_type_name(LossType type);
// "token" | "sequence".
ImportanceSamplingLevel parse_importance_sampling_level(std::string_view name);
// "loss" | "reward".
KlPlacement parse_kl_placement(std::string_view name);

struct PolicyLossConfig {
  // Aggregation; TRL's current default is dapo.
  LossType loss_type = LossType::DAPO;
  // Per-token (PPO/GRPO) or per-sequence (GSPO) importance ratio.
  ImportanceSamplingLevel importance_sampling_level = ImportanceSamplingLevel::TOKEN;
  // Lower clip: the ratio is clipped below at 1 − epsilon; epsilon >= 1 switches that bound
  // off (ratios are positive), as R1's epsilon 10 does, and TRL accepts it the same way.
  double epsilon = 0.2;
  // Upper clip (clip-higher, DAPO recommends 0.28); unset means epsilon.
  std::optional<double> epsilon_high;
  // Dual-clip bound (TRL `delta`, verl `clip_ratio_c`, typically 3.0): the unclipped ratio is
  // capped at delta, so a negative-advantage token's loss is at most −A·delta. Must be > 1
  // + epsilon_high, where it matches verl's dual clip exactly. Unset = off.
  std::optional<double> delta;
  // KL coefficient; 0 turns the KL term off (then ref_logp may be undefined).
  double beta = 0.0;
  // TRL uses k3 (no other choice there).
  KlEstimator kl_estimator = KlEstimator::K3;
  // > 0 clamps δ = logp − ref_logp to ±clamp inside the estimator; 0 (TRL) = no clamp.
  double kl_log_ratio_clamp = 0.0;
  // Where β·KL goes.
  KlPlacement kl_in = KlPlacement::LOSS;
  // TRL `use_bias_correction_kl` (DeepSeek-V3.2): multiply the KL by the importance ratio so
  // it stays unbiased off-policy.
  bool use_bias_correction_kl = false;
  // Entropy bonus: loss −= entropy_coef · (masked token-mean entropy) / accumulation_steps.
  double entropy_coef = 0.0;
  // DR_GRPO's constant per-sequence normaliser (TRL max_completion_length, default 512).
  int64_t max_completion_length = 512;
};

struct PolicyLossInputs {
  at::Tensor logp;        // [N, L] current policy log-probs of the sampled tokens, requires grad
  at::Tensor old_logp;    // [N, L] behaviour-policy log-probs (logp.detach() when on-policy)
  at::Tensor ref_logp;    // [N, L] reference log-probs; needed when beta != 0
  at::Tensor advantages;  // [N] one advantage per sequence
  at::Tensor mask;        // [N, L] 1 for completion tokens that count, 0 for padding
  at::Tensor entropy;     // [N, L] per-token policy entropy; optional (needed if entropy_coef)
  // DAPO only: active tokens over the whole accumulation window (all micro-batches, all
  // processes, divided by the process count as TRL does); -1 = this micro-batch's Σ mask.
  int64_t global_active_tokens = -1;
  // Micro-batches accumulated per optimizer step. GRPO/BNPO/DR_GRPO losses and the entropy
  // bonus are divided by it; DAPO already is, through global_active_tokens.
  int64_t accumulation_steps = 1;
};

// Token fractions are over active tokens (over sequences at the SEQUENCE level), as TRL logs.
struct PolicyLossStats {
  double clip_ratio_low_mean = 0.0;     // ratio < 1 − epsilon with A < 0
  double clip_ratio_high_mean = 0.0;    // ratio > 1 + epsilon_high with A > 0
  double clip_ratio_region_mean = 0.0;  // either of the two
  double kl_mean = 0.0;                 // masked mean of the per-token KL (0 without ref_logp)
  double entropy_mean = 0.0;            // masked mean entropy (0 without entropy)
  double ratio_mean = 0.0;              // mean importance ratio
  double ratio_max = 0.0;               // max importance ratio
  // Aggregated policy(+KL) loss before the accumulation division and the entropy bonus (TRL's
  // `policy_loss`). For dapo it is this micro-batch's part of the window's loss (its Σ ℓ·m over
  // the window's tokens), so a window's value is the sum over its micro-batches, not a mean.
  double policy_loss = 0.0;
};

// Returns the scalar loss (differentiable w.r.t. logp and entropy) and its stats.
std::pair<at::Tensor, PolicyLossStats> policy_loss(const PolicyLossInputs& inputs,
                                                   const PolicyLossConfig& config);

}  // namespace r1forge
