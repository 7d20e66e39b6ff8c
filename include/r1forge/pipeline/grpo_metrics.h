// The metrics a GRPO step logs, under TRL's names: rewards (combined and per function),
// frac_reward_zero_std, completion lengths and the clipped ratio, and the update's loss,
// clip ratios, KL, entropy, gradient norm and learning rate. Reward and length metrics cover
// every generated sample of the step (all dynamic-sampling rounds), so they track the policy,
// not the filtered batch.
// Not here: writing them (core/metrics.h), computing the loss stats (rl/policy_loss.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/metrics.h"
#include "r1forge/pipeline/grpo_rollouts.h"
#include "r1forge/pipeline/grpo_update.h"

namespace r1forge {

// Everything generated in one step (or one evaluation), before any filtering.
struct GenerationSummary {
  std::vector<std::vector<RewardScore>> scores;  // [F][samples]
  std::vector<int64_t> lengths;                  // completion tokens
  std::vector<bool> truncated;                   // finish_reason length
  int64_t groups = 0;
  int64_t groups_without_signal = 0;  // all scorable rewards equal (zero advantage)

  // `signal[g]`: group g's rewards are not all equal (groups_with_signal).
  void add(const ScoredGroups& round, const std::vector<bool>& signal);
};

// reward, reward_std, rewards/<label>/{mean,std,none}, frac_reward_zero_std,
// completions/{mean,min,max}_length, completions/mean_terminated_length,
// completions/clipped_ratio; each key prefixed by `prefix` ("" or "eval/").
void add_generation_metrics(MetricValues& metrics,
                            const GenerationSummary& summary,
                            const std::vector<std::string>& labels,
                            const std::vector<double>& weights,
                            const std::string& prefix);

// loss (the optimizer steps' loss), policy_loss (without the entropy bonus),
// clip_ratio/{low,high,region}_mean, kl (when the KL is on), entropy, ratio/{mean,max},
// grad_norm, learning_rate, optimizer_steps, skipped_updates.
void add_update_metrics(MetricValues& metrics, const PolicyUpdateStats& update, bool kl_on);

}  // namespace r1forge
