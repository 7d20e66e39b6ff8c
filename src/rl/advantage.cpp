// Advantage estimators (grpo, dr_grpo, rloo, reinforce_pp, reinforce_pp_baseline) computed in
// double on the CPU, following TRL's grpo_trainer.py / rloo_trainer.py step by step: NaN marks
// "none" and "undefined" all the way through, and only the final step turns NaN into 0 (TRL's
// nan_to_num). Not here: anything token-level; the loss owns the broadcast to tokens.
#include "r1forge/rl/advantage.h"

#include <cmath>
#include <limits>

#include "r1forge/core/check.h"

namespace r1forge {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// TRL flags a zero std with torch.isclose(std, 0), whose default atol is 1e-8 (rtol * 0 = 0).
constexpr double kZeroStdTolerance = 1e-8;

struct NanMoments {
  double mean = kNaN;  // NaN when no value is present
  double std = kNaN;   // Bessel std (TRL nanstd); NaN when fewer than 2 values are present
  int64_t count = 0;
};

// Mean and std of the non-NaN values among values[0, n). The sums run over deviations from the
// first present value, so n equal values give mean == value and std == 0 exactly (a plain sum
// of three 0.1s divided by 3 is not 0.1 in binary, which would leave equal-reward groups with
// advantages of order 1e-17 / 1e-4 instead of 0).
NanMoments nan_moments(const double* values, int64_t n) {
  NanMoments moments;
  double shift = kNaN;
  double deviation_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(values[i])) continue;
    if (moments.count == 0) shift = values[i];
    deviation_sum += values[i] - shift;
    ++moments.count;
  }
  if (moments.count == 0) return moments;
  moments.mean = shift + deviation_sum / static_cast<double>(moments.count);
  if (moments.count < 2) return moments;
  double squares = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(values[i])) continue;
    const double deviation = values[i] - moments.mean;
    squares += deviation * deviation;
  }
  moments.std = std::sqrt(squares / static_cast<double>(moments.count - 1));
  return moments;
}

// (v - mean) / (std + epsilon) over the whole batch, NaN-aware (TRL RLOO normalize_advantages,
// REINFORCE++ global normalization). NaN entries stay NaN.
void whiten_in_place(std::vector<double>& values, double epsilon) {
  const NanMoments batch = nan_moments(values.data(), static_cast<int64_t>(values.size()));
  for (double& value : values) value = (value - batch.mean) / (batch.std + epsilon);
}

void validate_config(const AdvantageConfig& config, bool has_kl) {
  R1F_CHECK_CONFIG(std::isfinite(config.std_epsilon) && config.std_epsilon >= 0.0,
                   "advantage std_epsilon must be a finite number >= 0, got ", config.std_epsilon);
  R1F_CHECK_CONFIG(std::isfinite(config.kl_in_reward_coef),
                   "advantage kl_in_reward_coef must be finite, got ", config.kl_in_reward_coef);
  if (config.kl_in_reward_coef == 0.0) return;
  const bool kl_in_reward_allowed =
      config.estimator == AdvantageEstimator::ADVANTAGE_RLOO ||
      config.estimator == AdvantageEstimator::ADVANTAGE_REINFORCE_PP ||
      config.estimator == AdvantageEstimator::ADVANTAGE_REINFORCE_PP_BASELINE;
  R1F_CHECK_CONFIG(kl_in_reward_allowed, "advantage kl_in_reward_coef = ", config.kl_in_reward_coef,
                   " is only valid for rloo, reinforce_pp and reinforce_pp_baseline; estimator ",
                   to_string(config.estimator), " puts the KL in the loss (set it to 0)");
  R1F_CHECK(has_kl, "kl_in_reward_coef = ", config.kl_in_reward_coef,
            " but compute_advantages got no sequence_kl tensor");
}

// [rows, F] any floating dtype -> row-major doubles, rejecting +-inf (NaN is "none").
std::vector<double> to_double_values(const at::Tensor& tensor, const char* name) {
  R1F_CHECK_DATA(at::isFloatingType(tensor.scalar_type()), name,
                 " must be a floating tensor, got dtype ", tensor.scalar_type());
  const at::Tensor host = tensor.detach().to(at::kCPU, at::kDouble).contiguous();
  const double* data = host.data_ptr<double>();
  std::vector<double> values(data, data + host.numel());
  for (size_t i = 0; i < values.size(); ++i) {
    R1F_CHECK_DATA(!std::isinf(values[i]), name, " holds ", values[i], " at flat index ", i,
                   " (shape ", tensor.sizes(), "); only finite values or NaN (= none) are valid");
  }
  return values;
}

}  // namespace

AdvantageResult compute_advantages(const at::Tensor& per_function_rewards,
                                   const std::vector<double>& weights,
                                   int64_t group_size,
                                   const AdvantageConfig& config,
                                   const at::Tensor& sequence_kl) {
  validate_config(config, sequence_kl.defined());
  R1F_CHECK_DATA(per_function_rewards.defined() && per_function_rewards.dim() == 2,
                 "per_function_rewards must be [B*G, F], got shape ",
                 per_function_rewards.defined() ? per_function_rewards.sizes() : at::IntArrayRef{});
  const int64_t rows = per_function_rewards.size(0);
  const int64_t functions = per_function_rewards.size(1);
  R1F_CHECK_CONFIG(group_size > 0, "group size (num_generations) must be > 0, got ", group_size);
  R1F_CHECK_DATA(rows > 0 && functions > 0,
                 "per_function_rewards [B*G, F] = ", per_function_rewards.sizes(), " is empty");
  R1F_CHECK_DATA(rows % group_size == 0,
                 "per_function_rewards [B*G, F] = ", per_function_rewards.sizes(), ": ", rows,
                 " rows is not a multiple of the group size G = ", group_size);
  R1F_CHECK_DATA(static_cast<int64_t>(weights.size()) == functions, "reward weights has ",
                 weights.size(),
                 " entries but per_function_rewards [B*G, F] = ", per_function_rewards.sizes(),
                 " has F = ", functions, " reward functions");
  for (size_t f = 0; f < weights.size(); ++f) {
    R1F_CHECK_CONFIG(std::isfinite(weights[f]), "reward weight ", f, " is ", weights[f],
                     "; weights must be finite");
  }
  const std::vector<double> scores = to_double_values(per_function_rewards, "per_function_rewards");
  std::vector<double> kl;
  if (sequence_kl.defined()) {
    R1F_CHECK_DATA(sequence_kl.dim() == 1 && sequence_kl.size(0) == rows, "sequence_kl must be [",
                   rows, "] (one KL per sample of per_function_rewards ",
                   per_function_rewards.sizes(), "), got shape ", sequence_kl.sizes());
    kl = to_double_values(sequence_kl, "sequence_kl");
    for (int64_t i = 0; i < rows; ++i) {
      R1F_CHECK_DATA(!std::isnan(kl[i]), "sequence_kl[", i, "] is NaN");
    }
  }

  AdvantageResult result;
  // Combined reward: TRL's (rewards_per_func * weights).nansum(dim=1), then NaN for the rows
  // where every function returned none (nansum would have made them a spurious 0).
  std::vector<double> combined(rows, 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    int64_t none_in_row = 0;
    for (int64_t f = 0; f < functions; ++f) {
      const double score = scores[i * functions + f];
      if (std::isnan(score)) {
        ++none_in_row;
        continue;
      }
      combined[i] += score * weights[f];
    }
    result.none_rewards += none_in_row;
    if (none_in_row == functions) {
      combined[i] = kNaN;
      ++result.unscorable_samples;
    }
  }
  const NanMoments logged = nan_moments(combined.data(), rows);
  result.reward_mean = logged.mean;
  result.reward_std = logged.std;

  // The reward the estimator sees: KL folded in when asked (TRL RLOO: rewards - beta * kl).
  std::vector<double> shaped = combined;
  if (config.kl_in_reward_coef != 0.0) {
    for (int64_t i = 0; i < rows; ++i) shaped[i] -= config.kl_in_reward_coef * kl[i];
  }

  const int64_t groups = rows / group_size;
  std::vector<NanMoments> group_moments(groups);
  for (int64_t g = 0; g < groups; ++g) {
    group_moments[g] = nan_moments(shaped.data() + g * group_size, group_size);
    // TRL sets the std to 0 when G == 1 (so every group counts), else uses nanstd, which is NaN
    // (never "zero") for a group with fewer than 2 scorable samples.
    const bool zero_std = group_size == 1 || (group_moments[g].count >= 2 &&
                                              group_moments[g].std <= kZeroStdTolerance);
    if (zero_std) ++result.zero_std_groups;
  }
  result.num_groups = groups;
  result.frac_reward_zero_std =
      static_cast<double>(result.zero_std_groups) / static_cast<double>(groups);

  // Advantages with NaN for "no signal" (unscorable sample, or an undefined std / baseline).
  std::vector<double> advantages(rows, kNaN);
  const double epsilon = config.std_epsilon;
  switch (config.estimator) {
    case AdvantageEstimator::ADVANTAGE_GRPO:
    case AdvantageEstimator::ADVANTAGE_DR_GRPO: {
      const RewardScaling scaling = config.estimator == AdvantageEstimator::ADVANTAGE_DR_GRPO
                                        ? RewardScaling::SCALE_NONE
                                        : config.scale_rewards;
      const NanMoments batch = nan_moments(shaped.data(), rows);
      for (int64_t i = 0; i < rows; ++i) {
        const NanMoments& group = group_moments[i / group_size];
        const double deviation = shaped[i] - group.mean;
        if (scaling == RewardScaling::SCALE_NONE) {
          advantages[i] = deviation;
        } else if (scaling == RewardScaling::SCALE_GROUP) {
          // G == 1: TRL divides 0 by (0 + eps); here the std is NaN and the result 0 either way.
          advantages[i] = deviation / (group.std + epsilon);
        } else {
          advantages[i] = deviation / (batch.std + epsilon);
        }
      }
      break;
    }
    case AdvantageEstimator::ADVANTAGE_RLOO: {
      // A_i = r_i - (sum_scorable - r_i) / (c - 1), c = scorable samples of the group; written
      // on deviations from the group mean so that equal rewards give exactly 0. A group with
      // c == 1 has no baseline: TRL's 0/0 = NaN, i.e. advantage 0.
      for (int64_t i = 0; i < rows; ++i) {
        const NanMoments& group = group_moments[i / group_size];
        if (group.count < 2) continue;
        const double count = static_cast<double>(group.count);
        advantages[i] = (shaped[i] - group.mean) * count / (count - 1.0);
      }
      if (config.normalize_advantages) whiten_in_place(advantages, epsilon);
      break;
    }
    case AdvantageEstimator::ADVANTAGE_REINFORCE_PP:
      advantages = shaped;
      whiten_in_place(advantages, epsilon);
      break;
    case AdvantageEstimator::ADVANTAGE_REINFORCE_PP_BASELINE: {
      // Like rloo, a group with a single scorable sample has no baseline and stays NaN, so it
      // neither gets an advantage nor enters the batch statistics.
      for (int64_t i = 0; i < rows; ++i) {
        const NanMoments& group = group_moments[i / group_size];
        if (group.count >= 2) advantages[i] = shaped[i] - group.mean;
      }
      // Whitening would also subtract the batch mean, but group-centred values have batch mean
      // 0 exactly in real arithmetic; skipping that rounding-only shift keeps an equal-reward
      // group at exactly 0. Only the std divides.
      const NanMoments batch = nan_moments(advantages.data(), rows);
      for (double& advantage : advantages) advantage /= batch.std + epsilon;
      break;
    }
  }
  for (double& advantage : advantages) {
    if (std::isnan(advantage)) advantage = 0.0;
  }

  const at::Device device = per_function_rewards.device();
  result.advantages =
      at::tensor(advantages, at::TensorOptions().dtype(at::kDouble)).to(device, at::kFloat);
  result.rewards =
      at::tensor(combined, at::TensorOptions().dtype(at::kDouble)).to(device, at::kFloat);
  return result;
}

namespace {

struct EstimatorName {
  AdvantageEstimator estimator;
  const char* name;
};
constexpr EstimatorName kEstimatorNames[] = {
    {AdvantageEstimator::ADVANTAGE_GRPO, "grpo"},
    {AdvantageEstimator::ADVANTAGE_DR_GRPO, "dr_grpo"},
    {AdvantageEstimator::ADVANTAGE_RLOO, "rloo"},
    {AdvantageEstimator::ADVANTAGE_REINFORCE_PP, "reinforce_pp"},
    {AdvantageEstimator::ADVANTAGE_REINFORCE_PP_BASELINE, "reinforce_pp_baseline"},
};

struct ScalingName {
  RewardScaling scaling;
  const char* name;
};
constexpr ScalingName kScalingNames[] = {
    {RewardScaling::SCALE_GROUP, "group"},
    {RewardScaling::SCALE_BATCH, "batch"},
    {RewardScaling::SCALE_NONE, "none"},
};

}  // namespace

AdvantageEstimator parse_advantage_estimator(std::string_view name) {
  std::string valid;
  for (const EstimatorName& entry : kEstimatorNames) {
    if (name == entry.name) return entry.estimator;
    valid += valid.empty() ? entry.name : std::string(", ") + entry.name;
  }
  R1F_THROW(ConfigError, "unknown advantage estimator '", name, "'; valid: ", valid);
}

RewardScaling parse_reward_scaling(std::string_view name) {
  std::string valid;
  for (const ScalingName& entry : kScalingNames) {
    if (name == entry.name) return entry.scaling;
    valid += valid.empty() ? entry.name : std::string(", ") + entry.name;
  }
  R1F_THROW(ConfigError, "unknown scale_rewards '", name, "'; valid: ", valid);
}

std::string to_string(AdvantageEstimator estimator) {
  for (const EstimatorName& entry : kEstimatorNames) {
    if (entry.estimator == estimator) return entry.name;
  }
  R1F_CHECK(false, "unnamed AdvantageEstimator ", static_cast<int>(estimator));
  return {};
}

std::string to_string(RewardScaling scaling) {
  for (const ScalingName& entry : kScalingNames) {
    if (entry.scaling == scaling) return entry.name;
  }
  R1F_CHECK(false, "unnamed RewardScaling ", static_cast<int>(scaling));
  return {};
}

}  // namespace r1forge
