// Collecting one GRPO step's scored groups: G samples for each of B prompts from the engine,
// every reward function's score of every sample, and DAPO's dynamic sampling (groups whose
// rewards are all equal carry no signal — their advantages are zero — so they are dropped and
// more prompts are drawn, for a bounded number of rounds).
// Shapes: B' groups kept, G samples each, N = B' x G rows, F reward functions.
// Not here: advantages (rl/advantage.h), the update (grpo_update.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "r1forge/core/progress_bar.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/rl/reward.h"
#include "r1forge/sampling/engine.h"

namespace r1forge {

struct ScoredGroups {
  std::vector<int64_t> prompt_rows;              // [B'] dataset row of each group
  std::vector<GeneratedSample> samples;          // [N] group-contiguous; prompt_index = group
  std::vector<std::vector<RewardScore>> scores;  // [F][N]; nullopt = none
  double rollout_seconds = 0.0;
  double reward_seconds = 0.0;
  int64_t generated_tokens = 0;

  int64_t groups() const { return static_cast<int64_t>(prompt_rows.size()); }
};

class RolloutCollector {
 public:
  // `params` are the rollout's sampling parameters (the seed is set per call).
  RolloutCollector(Engine& engine,
                   RewardSet& rewards,
                   const PromptDataset& data,
                   SamplingParams params,
                   int64_t group_size);
  // Generates and scores G samples for each dataset row of `rows`. Sync point. Data parallel:
  // each rank generates its share (rollout_exchange.h) and all get the whole batch; a collective.
  // `progress` (optional) advances by one for each of this rank's samples as it finishes.
  ScoredGroups collect(const std::vector<int64_t>& rows,
                       uint64_t seed,
                       ProgressBar* progress = nullptr);
  // The RewardSamples collect() scored `groups` with (make_reward_samples with this
  // collector's data and max_new_tokens): for stages that judge the samples further, such as
  // rejection sampling's readability filters, so they see exactly what the rewards saw.
  std::vector<RewardSample> reward_samples(const ScoredGroups& groups) const;
  // Samples this rank generates for `prompts` prompts: its share (rollout_exchange.h) x G, the
  // total of a progress bar passed to collect().
  int64_t own_samples(int64_t prompts) const;

 private:
  Engine& engine_;
  RewardSet& rewards_;
  const PromptDataset& data_;
  SamplingParams params_;
  int64_t group_size_;
};

// One RewardSample per sample of `groups` ([N], views into `groups` and `data`, valid while
// both live): the templated prompt, the raw question (PromptRow::question), the completion,
// the row's metadata, the length and whether generation hit `max_completion_tokens`. Every
// stage that scores completions (GRPO, rejection sampling, eval) builds them here, so a reward
// scores a row the same way whichever stage asks.
std::vector<RewardSample> make_reward_samples(const ScoredGroups& groups,
                                              const PromptDataset& data,
                                              int64_t max_completion_tokens);

// Sample `row`'s combined reward, sum_f w_f s_f over the functions that scored it (TRL's
// nansum); nullopt when every function returned none (an unscorable sample).
std::optional<double> combined_reward(const std::vector<std::vector<RewardScore>>& scores,
                                      const std::vector<double>& weights,
                                      size_t row);
// Rewards as a [N, F] fp64 tensor with NaN for none (compute_advantages' input).
at::Tensor reward_matrix(const ScoredGroups& groups);
// Per group: true when its scorable combined rewards (weighted sum over scored functions)
// are not all equal — the groups with a learning signal.
std::vector<bool> groups_with_signal(const ScoredGroups& groups,
                                     const std::vector<double>& weights,
                                     int64_t group_size);
// Moves the groups of `from` marked in `keep` (in order, at most `limit` groups in total in
// `into`) to the end of `into`.
void append_groups(ScoredGroups& into,
                   ScoredGroups&& from,
                   const std::vector<bool>& keep,
                   int64_t limit,
                   int64_t group_size);

}  // namespace r1forge
