// Per-token KL estimators k1/k2/k3 and the detached per-sequence reward penalty.
// Not here: where the term enters the loss (policy_loss.cpp).
#include "r1forge/rl/kl.h"

#include "r1forge/core/check.h"

namespace r1forge {

KlEstimator parse_kl_estimator(std::string_view name) {
  if (name == "k1" || name == "kl") return KlEstimator::K1;
  if (name == "k2" || name == "mse") return KlEstimator::K2;
  if (name == "k3" || name == "low_var_kl") return KlEstimator::K3;
  R1F_THROW(ConfigError, "unknown kl_estimator '", name,
            "' (valid: k1, k2, k3; verl aliases kl, mse, low_var_kl)");
}

std::string_view kl_estimator_name(KlEstimator estimator) {
  switch (estimator) {
    case KlEstimator::K1: return "k1";
    case KlEstimator::K2: return "k2";
    case KlEstimator::K3: return "k3";
  }
  return "k3";
}

at::Tensor kl_estimate(const at::Tensor& logp,
                       const at::Tensor& ref_logp,
                       KlEstimator estimator,
                       double log_ratio_clamp) {
  TORCH_CHECK(logp.sizes() == ref_logp.sizes(), "kl_estimate: logp ", logp.sizes(),
              " and ref_logp ", ref_logp.sizes(), " differ in shape");
  TORCH_CHECK(log_ratio_clamp >= 0.0, "kl_estimate: log_ratio_clamp must be >= 0, got ",
              log_ratio_clamp);
  at::Tensor delta = logp - ref_logp.to(logp.scalar_type());
  if (log_ratio_clamp > 0.0) delta = delta.clamp(-log_ratio_clamp, log_ratio_clamp);
  switch (estimator) {
    case KlEstimator::K1: return delta;
    case KlEstimator::K2: return 0.5 * delta * delta;
    case KlEstimator::K3:
      // Written as TRL writes it, exp(ref − logp) − (ref − logp) − 1, so values match bitwise.
      return at::exp(-delta) + delta - 1.0;
  }
  throw Error(ErrorKind::INTERNAL, "kl_estimate: unhandled KlEstimator", __FILE__, __LINE__);
}

at::Tensor kl_reward_penalty(const at::Tensor& old_logp,
                             const at::Tensor& ref_logp,
                             const at::Tensor& mask,
                             double beta,
                             KlEstimator estimator,
                             double log_ratio_clamp) {
  TORCH_CHECK(old_logp.dim() == 2 && mask.sizes() == old_logp.sizes(),
              "kl_reward_penalty: old_logp [N, L] and mask [N, L] expected, got ", old_logp.sizes(),
              " and ", mask.sizes());
  at::NoGradGuard no_grad;
  at::Tensor kl = kl_estimate(old_logp.detach(), ref_logp.detach(), estimator, log_ratio_clamp);
  return beta * (kl * mask.to(kl.scalar_type())).sum(-1);
}

}  // namespace r1forge
