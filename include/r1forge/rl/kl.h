// Per-token KL estimators between the policy and the reference policy (Schulman's k1/k2/k3).
//
// Each estimate is a function of the sampled token's log-probs only, so it is differentiable
// w.r.t. logp and can be used as a loss term (GRPO: β·k3 in the loss) or detached as a reward
// penalty (PPO-RLHF / TRL RLOO: β·Σ_t k1 subtracted from the sequence reward).
// Not here: the policy loss that adds the term (rl/policy_loss.h); advantage estimation.
#pragma once

#include <ATen/ATen.h>

#include <string_view>

namespace r1forge {

// With δ = logp − ref_logp (log-ratio of policy to reference at the sampled token):
//   K1: δ                      unbiased, can be negative, gradient has zero expectation on-policy
//   K2: δ² / 2                 biased, ≥ 0, gradient = δ·∇logp (the reverse-KL gradient)
//   K3: exp(−δ) + δ − 1        unbiased, ≥ 0, gradient = (1 − π_ref/π)·∇logp (TRL, DSMath eq. 4)
enum class KlEstimator { K1, K2, K3 };

// "k1" | "k2" | "k3" (also verl's aliases "kl", "mse", "low_var_kl"); ConfigError otherwise.
KlEstimator parse_kl_estimator(std::string_view name);
std::string_view kl_estimator_name(KlEstimator estimator);

// logp, ref_logp [N, L] -> per-token KL estimate [N, L] (logp's dtype; differentiable w.r.t.
// both). log_ratio_clamp > 0 clamps δ to [−clamp, clamp] before the estimator, which guards
// exp(−δ) against overflow on tokens the reference finds far likelier (verl clamps at 20; the
// clamped tokens then get zero gradient). 0 means no clamp, as in TRL.
at::Tensor kl_estimate(const at::Tensor& logp,
                       const at::Tensor& ref_logp,
                       KlEstimator estimator,
                       double log_ratio_clamp = 0.0);

// KL placed in the reward instead of the loss: old_logp, ref_logp [N, L], mask [N, L] 0/1
// -> per-sequence penalty β·Σ_t m_t·k(old_logp, ref_logp) [N], detached (no gradient flows
// through a reward). Subtract it from the scalar rewards before computing advantages.
at::Tensor kl_reward_penalty(const at::Tensor& old_logp,
                             const at::Tensor& ref_logp,
                             const at::Tensor& mask,
                             double beta,
                             KlEstimator estimator,
                             double log_ratio_clamp = 0.0);

}  // namespace r1forge
