// GRPO step metrics under TRL's names; see pipeline/grpo_metrics.h.
#include "r1forge/pipeline/grpo_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace r1forge {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Mean and Bessel std of `values`; NaN where undefined (TRL logs the same).
std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  if (values.empty()) return {kNaN, kNaN};
  double sum = 0.0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return {mean, kNaN};
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size() - 1))};
}

}  // namespace

void GenerationSummary::add(const ScoredGroups& round, const std::vector<bool>& signal) {
  if (scores.empty()) scores.resize(round.scores.size());
  for (size_t f = 0; f < round.scores.size(); ++f) {
    scores[f].insert(scores[f].end(), round.scores[f].begin(), round.scores[f].end());
  }
  for (const auto& sample : round.samples) {
    lengths.push_back(static_cast<int64_t>(sample.token_ids.size()));
    truncated.push_back(sample.finish_reason == FinishReason::LENGTH);
  }
  groups += round.groups();
  for (bool has_signal : signal) groups_without_signal += has_signal ? 0 : 1;
}

void add_generation_metrics(MetricValues& metrics,
                            const GenerationSummary& summary,
                            const std::vector<std::string>& labels,
                            const std::vector<double>& weights,
                            const std::string& prefix) {
  const size_t samples = summary.lengths.size();
  std::vector<double> combined;
  for (size_t i = 0; i < samples; ++i) {
    if (auto total = combined_reward(summary.scores, weights, i)) combined.push_back(*total);
  }
  auto [reward_mean, reward_std] = mean_and_std(combined);
  metrics[prefix + "reward"] = reward_mean;
  metrics[prefix + "reward_std"] = reward_std;
  for (size_t f = 0; f < summary.scores.size(); ++f) {
    std::vector<double> values;
    for (const auto& score : summary.scores[f]) {
      if (score) values.push_back(*score);
    }
    auto [mean, std] = mean_and_std(values);
    const std::string base = prefix + "rewards/" + labels[f];
    metrics[base + "/mean"] = mean;
    metrics[base + "/std"] = std;
    metrics[base + "/none"] = static_cast<double>(samples - values.size());
  }
  metrics[prefix + "frac_reward_zero_std"] =
      summary.groups ? static_cast<double>(summary.groups_without_signal) / summary.groups : kNaN;
  if (samples == 0) return;
  double total = 0.0, terminated_total = 0.0;
  int64_t terminated = 0, clipped = 0;
  for (size_t i = 0; i < samples; ++i) {
    total += static_cast<double>(summary.lengths[i]);
    if (summary.truncated[i]) {
      ++clipped;
    } else {
      ++terminated;
      terminated_total += static_cast<double>(summary.lengths[i]);
    }
  }
  metrics[prefix + "completions/mean_length"] = total / static_cast<double>(samples);
  metrics[prefix + "completions/min_length"] =
      static_cast<double>(*std::min_element(summary.lengths.begin(), summary.lengths.end()));
  metrics[prefix + "completions/max_length"] =
      static_cast<double>(*std::max_element(summary.lengths.begin(), summary.lengths.end()));
  metrics[prefix + "completions/mean_terminated_length"] =
      terminated ? terminated_total / static_cast<double>(terminated) : kNaN;
  metrics[prefix + "completions/clipped_ratio"] =
      static_cast<double>(clipped) / static_cast<double>(samples);
}

void add_update_metrics(MetricValues& metrics, const PolicyUpdateStats& update, bool kl_on) {
  metrics["loss"] = update.step_loss;
  metrics["policy_loss"] = update.loss.policy_loss;
  metrics["clip_ratio/low_mean"] = update.loss.clip_ratio_low_mean;
  metrics["clip_ratio/high_mean"] = update.loss.clip_ratio_high_mean;
  metrics["clip_ratio/region_mean"] = update.loss.clip_ratio_region_mean;
  if (kl_on) metrics["kl"] = update.loss.kl_mean;
  metrics["entropy"] = update.loss.entropy_mean;
  metrics["ratio/mean"] = update.loss.ratio_mean;
  metrics["ratio/max"] = update.loss.ratio_max;
  metrics["grad_norm"] = update.grad_norm;
  metrics["learning_rate"] = update.learning_rate;
  metrics["optimizer_steps"] = static_cast<double>(update.optimizer_steps);
  metrics["skipped_updates"] = static_cast<double>(update.skipped_steps);
}

}  // namespace r1forge
