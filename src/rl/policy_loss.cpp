// GRPO policy-loss family: TRL 1.16 `GRPOTrainer._compute_loss` (grpo/bnpo/dr_grpo/dapo
// branches, token and sequence importance sampling, delta, k3 KL, entropy bonus, clip metrics)
// plus r1forge's KL estimator choice, KL clamp and KL-in-reward placement.
// Not here: the estimators themselves (kl.cpp), advantages, log-prob computation.
#include "r1forge/rl/policy_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "r1forge/core/check.h"

namespace r1forge {

LossType parse_loss_type(std::string_view name) {
  if (name == "grpo") return LossType::GRPO;
  if (name == "bnpo") return LossType::BNPO;
  if (name == "dr_grpo") return LossType::DR_GRPO;
  if (name == "dapo") return LossType::DAPO;
  R1F_THROW(ConfigError, "unknown loss_type '", name, "' (valid: grpo, bnpo, dr_grpo, dapo)");
}

std::string_view loss_type_name(LossType type) {
  switch (type) {
    case LossType::GRPO: return "grpo";
    case LossType::BNPO: return "bnpo";
    case LossType::DR_GRPO: return "dr_grpo";
    case LossType::DAPO: return "dapo";
  }
  return "dapo";
}

ImportanceSamplingLevel parse_importance_sampling_level(std::string_view name) {
  if (name == "token") return ImportanceSamplingLevel::TOKEN;
  if (name == "sequence") return ImportanceSamplingLevel::SEQUENCE;
  R1F_THROW(ConfigError, "unknown importance_sampling_level '", name, "' (valid: token, sequence)");
}

KlPlacement parse_kl_placement(std::string_view name) {
  if (name == "loss") return KlPlacement::LOSS;
  if (name == "reward") return KlPlacement::REWARD;
  R1F_THROW(ConfigError, "unknown kl_in '", name, "' (valid: loss, reward)");
}

namespace {

void validate(const PolicyLossInputs& in, const PolicyLossConfig& config) {
  const double epsilon_high = config.epsilon_high.value_or(config.epsilon);
  // epsilon >= 1 is allowed, as in TRL: the lower bound 1 - epsilon <= 0 then never binds (a
  // ratio is positive). DeepSeek-R1 trains with epsilon 10.
  if (config.epsilon < 0.0) R1F_THROW(ConfigError, "epsilon must be >= 0, got ", config.epsilon);
  if (epsilon_high < 0.0) R1F_THROW(ConfigError, "epsilon_high must be >= 0, got ", epsilon_high);
  if (config.delta && *config.delta <= 1.0 + epsilon_high)
    R1F_THROW(ConfigError,
              "delta (dual-clip bound) must exceed 1 + epsilon_high = ", 1.0 + epsilon_high,
              ", got ", *config.delta);
  if (config.beta < 0.0) R1F_THROW(ConfigError, "beta must be >= 0, got ", config.beta);
  if (config.kl_log_ratio_clamp < 0.0)
    R1F_THROW(ConfigError, "kl_log_ratio_clamp must be >= 0 (0 = off), got ",
              config.kl_log_ratio_clamp);
  if (config.loss_type == LossType::DR_GRPO && config.max_completion_length <= 0)
    R1F_THROW(ConfigError, "loss_type dr_grpo needs max_completion_length > 0, got ",
              config.max_completion_length);

  R1F_CHECK(in.logp.defined() && in.logp.dim() == 2, "policy_loss: logp must be [N, L]");
  const auto sizes = in.logp.sizes();
  R1F_CHECK(in.old_logp.defined() && in.old_logp.sizes() == sizes,
            "policy_loss: old_logp must match logp [N, L]");
  R1F_CHECK(in.mask.defined() && in.mask.sizes() == sizes,
            "policy_loss: mask must match logp [N, L]");
  R1F_CHECK(
      in.advantages.defined() && in.advantages.dim() == 1 && in.advantages.size(0) == sizes[0],
      "policy_loss: advantages must be [N] with N = ", sizes[0]);
  R1F_CHECK(!in.ref_logp.defined() || in.ref_logp.sizes() == sizes,
            "policy_loss: ref_logp must match logp [N, L]");
  R1F_CHECK(!in.entropy.defined() || in.entropy.sizes() == sizes,
            "policy_loss: entropy must match logp [N, L]");
  R1F_CHECK(config.beta == 0.0 || config.kl_in == KlPlacement::REWARD || in.ref_logp.defined(),
            "policy_loss: beta = ", config.beta, " with the KL in the loss needs ref_logp");
  R1F_CHECK(config.entropy_coef == 0.0 || in.entropy.defined(),
            "policy_loss: entropy_coef = ", config.entropy_coef, " needs entropy");
  R1F_CHECK(in.accumulation_steps >= 1, "policy_loss: accumulation_steps must be >= 1");
}

// TRL's `global_masked_mean` on one process: a [N, 1] per-sequence value is averaged over
// sequences, a [N, L] per-token value over active tokens. A 0-dim tensor on x's device.
at::Tensor masked_mean(const at::Tensor& x, const at::Tensor& mask) {
  if (x.size(1) == 1 && mask.size(1) != 1) {
    return x.sum().to(at::kDouble) / static_cast<double>(x.size(0));  // the division in fp64
  }
  return (x * mask).sum() / mask.sum().clamp_min(1.0);
}

}  // namespace

std::pair<at::Tensor, PolicyLossStats> policy_loss(const PolicyLossInputs& in,
                                                   const PolicyLossConfig& config) {
  validate(in, config);
  const double epsilon_low = config.epsilon;
  const double epsilon_high = config.epsilon_high.value_or(config.epsilon);
  const auto dtype = in.logp.scalar_type();
  const at::Tensor mask = in.mask.to(dtype);                              // [N, L]
  const at::Tensor advantages = in.advantages.to(dtype).unsqueeze(1);     // [N, 1]
  const at::Tensor log_ratio = in.logp - in.old_logp.to(dtype).detach();  // [N, L]

  // [N, L] at the token level; [N, 1] at the sequence level (GSPO's length-normalised
  // geometric mean, with empty rows kept finite by the clamp).
  at::Tensor log_weights = log_ratio;
  if (config.importance_sampling_level == ImportanceSamplingLevel::SEQUENCE) {
    log_weights = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp_min(1.0)).unsqueeze(-1);
  }
  at::Tensor coef_1 = at::exp(log_weights);

  // The KL is computed whenever a reference is given, so it is reported even when it is not a
  // loss term; it carries gradient only when it enters the loss.
  const bool kl_in_loss = config.beta != 0.0 && config.kl_in == KlPlacement::LOSS;
  at::Tensor per_token_kl;  // [N, L]
  if (in.ref_logp.defined()) {
    at::AutoGradMode grad_mode(kl_in_loss && at::GradMode::is_enabled());
    per_token_kl =
        kl_estimate(in.logp, in.ref_logp.detach(), config.kl_estimator, config.kl_log_ratio_clamp);
    if (config.use_bias_correction_kl) per_token_kl = per_token_kl * coef_1;
  }

  const at::Tensor coef_2 = coef_1.clamp(1.0 - epsilon_low, 1.0 + epsilon_high);
  // Dual clip: capping the unclipped ratio bounds a negative-advantage token's loss by −A·δ
  // (with zero gradient past the cap); for A > 0 the clipped branch already wins.
  const at::Tensor coef_1_capped = config.delta ? coef_1.clamp_max(*config.delta) : coef_1;
  at::Tensor per_token_loss = -at::minimum(coef_1_capped * advantages, coef_2 * advantages);
  if (kl_in_loss) per_token_loss = per_token_loss + config.beta * per_token_kl;
  per_token_loss = per_token_loss.expand(in.logp.sizes());  // [N, L] at both levels

  const at::Tensor masked_sum = (per_token_loss * mask).sum();
  at::Tensor loss;
  at::Tensor policy_loss_value;
  switch (config.loss_type) {
    case LossType::GRPO:
      policy_loss_value = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp_min(1.0)).mean();
      break;
    case LossType::BNPO: policy_loss_value = masked_sum / mask.sum().clamp_min(1.0); break;
    case LossType::DR_GRPO:
      policy_loss_value =
          masked_sum / static_cast<double>(in.logp.size(0) * config.max_completion_length);
      break;
    case LossType::DAPO: {
      const double tokens = in.global_active_tokens >= 0
                                ? static_cast<double>(in.global_active_tokens)
                                : mask.sum().item<double>();
      policy_loss_value = masked_sum / std::max(tokens, 1.0);
      break;
    }
  }
  // DAPO's normaliser already spans the accumulation window; the others are per micro-batch.
  const double accumulation = static_cast<double>(in.accumulation_steps);
  loss = config.loss_type == LossType::DAPO ? policy_loss_value : policy_loss_value / accumulation;
  if (config.entropy_coef != 0.0) {
    // TRL: a plain token mean of the entropy regardless of loss_type, so the bonus does not
    // depend on the policy normaliser; scaled only for accumulation.
    const at::Tensor entropy_loss =
        (in.entropy.to(dtype) * mask).sum() / mask.sum().clamp_min(1.0) / accumulation;
    loss = loss - config.entropy_coef * entropy_loss;
  }

  PolicyLossStats stats;
  {
    at::NoGradGuard no_grad;
    const at::Tensor ratio = coef_1.detach();
    const at::Tensor low = (ratio < 1.0 - epsilon_low) & (advantages < 0);
    const at::Tensor high = (ratio > 1.0 + epsilon_high) & (advantages > 0);
    // Padding never counts towards the max: at the token level it is masked out; at the
    // sequence level rows with no active token are.
    const at::Tensor active = ratio.size(1) == 1 ? mask.sum(-1, /*keepdim=*/true) > 0 : mask > 0;
    const at::Tensor candidates =
        ratio.masked_fill(active.logical_not(), -std::numeric_limits<double>::infinity());
    const at::Tensor none = at::zeros({}, ratio.options());
    // Every statistic stays on the device until one copy reads them all: the call's only sync
    // point (each .item() would be one, eight per micro-batch on a GPU).
    const std::vector<at::Tensor> values = {
        policy_loss_value.detach(),
        masked_mean(low.to(dtype), mask),
        masked_mean(high.to(dtype), mask),
        masked_mean((low | high).to(dtype), mask),
        per_token_kl.defined() ? masked_mean(per_token_kl.detach(), mask) : none,
        in.entropy.defined() ? masked_mean(in.entropy.detach().to(dtype), mask) : none,
        masked_mean(ratio, mask),
        candidates.max()};
    std::vector<at::Tensor> widened;
    for (const at::Tensor& value : values) widened.push_back(value.to(at::kDouble));
    const at::Tensor host = at::stack(widened).to(at::kCPU);  // [8] fp64
    const double* read = host.data_ptr<double>();
    stats.policy_loss = read[0];
    stats.clip_ratio_low_mean = read[1];
    stats.clip_ratio_high_mean = read[2];
    stats.clip_ratio_region_mean = read[3];
    stats.kl_mean = read[4];
    stats.entropy_mean = read[5];
    stats.ratio_mean = read[6];
    stats.ratio_max = std::isfinite(read[7]) ? read[7] : 0.0;
  }
  return {loss, stats};
}

}  // namespace r1forge
