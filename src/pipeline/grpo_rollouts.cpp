// Scored rollout groups and dynamic sampling; see pipeline/grpo_rollouts.h.
#include "r1forge/pipeline/grpo_rollouts.h"

#include <c10/core/InferenceMode.h>

#include <cmath>
#include <limits>

#include "r1forge/core/check.h"
#include "r1forge/core/timer.h"
#include "r1forge/pipeline/rollout_exchange.h"

namespace r1forge {

RolloutCollector::RolloutCollector(Engine& engine,
                                   RewardSet& rewards,
                                   const PromptDataset& data,
                                   SamplingParams params,
                                   int64_t group_size)
    : engine_(engine),
      rewards_(rewards),
      data_(data),
      params_(std::move(params)),
      group_size_(group_size) {}

ScoredGroups RolloutCollector::collect(const std::vector<int64_t>& rows,
                                       uint64_t seed,
                                       ProgressBar* progress) {
  // Data parallel: this rank generates and scores its share of the prompts, drawing what one
  // process would for them (seed_index), and every rank gets the whole batch back.
  const PromptShare share = prompt_share(static_cast<int64_t>(rows.size()));
  ScoredGroups groups;
  groups.prompt_rows.assign(rows.begin() + share.begin, rows.begin() + share.end);
  std::vector<GenerationRequest> requests;
  for (int64_t i = share.begin; i < share.end; ++i) {
    GenerationRequest request{data_.rows.at(rows[i]).ids, params_, group_size_};
    request.params.seed = seed;
    request.seed_index = i;
    requests.push_back(std::move(request));
  }
  Timer rollout_timer;
  {
    at::InferenceMode inference;  // no autograd bookkeeping while sampling
    if (progress) {
      const int64_t base = progress->done();
      engine_.set_progress_callback(
          [progress, base](int64_t finished, int64_t) { progress->set(base + finished); });
    }
    try {
      groups.samples = engine_.generate(requests);
    } catch (...) {
      engine_.set_progress_callback({});  // the bar may not outlive the exception
      throw;
    }
    engine_.set_progress_callback({});
  }
  groups.rollout_seconds = rollout_timer.seconds();
  for (const auto& sample : groups.samples) {
    groups.generated_tokens += static_cast<int64_t>(sample.token_ids.size());
  }

  Timer reward_timer;
  groups.scores = rewards_.score(reward_samples(groups));
  groups.reward_seconds = reward_timer.seconds();
  return gather_scored_groups(std::move(groups));
}

int64_t RolloutCollector::own_samples(int64_t prompts) const {
  const PromptShare share = prompt_share(prompts);
  return (share.end - share.begin) * group_size_;
}

std::vector<RewardSample> RolloutCollector::reward_samples(const ScoredGroups& groups) const {
  return make_reward_samples(groups, data_, params_.max_new_tokens);
}

std::vector<RewardSample> make_reward_samples(const ScoredGroups& groups,
                                              const PromptDataset& data,
                                              int64_t max_completion_tokens) {
  std::vector<RewardSample> batch;
  batch.reserve(groups.samples.size());
  for (const GeneratedSample& sample : groups.samples) {
    const PromptRow& row = data.rows.at(groups.prompt_rows.at(sample.prompt_index));
    RewardSample item;
    item.prompt = row.text;
    item.question = row.question;
    item.completion = sample.text;
    item.source = row.source;
    item.metadata = &row.metadata;
    item.completion_tokens = static_cast<int64_t>(sample.token_ids.size());
    item.truncated = sample.finish_reason == FinishReason::LENGTH;
    item.max_completion_tokens = max_completion_tokens;
    batch.push_back(item);
  }
  return batch;
}

std::optional<double> combined_reward(const std::vector<std::vector<RewardScore>>& scores,
                                      const std::vector<double>& weights,
                                      size_t row) {
  bool scored = false;
  double total = 0.0;
  for (size_t f = 0; f < scores.size(); ++f) {
    if (!scores[f][row]) continue;
    scored = true;
    total += weights[f] * *scores[f][row];
  }
  return scored ? std::optional<double>(total) : std::nullopt;
}

at::Tensor reward_matrix(const ScoredGroups& groups) {
  const int64_t functions = static_cast<int64_t>(groups.scores.size());
  const int64_t rows = static_cast<int64_t>(groups.samples.size());
  at::Tensor matrix = at::empty({rows, functions}, at::kDouble);
  auto values = matrix.accessor<double, 2>();
  for (int64_t f = 0; f < functions; ++f) {
    R1F_CHECK(static_cast<int64_t>(groups.scores[f].size()) == rows, "reward ", f, " returned ",
              groups.scores[f].size(), " scores for ", rows, " samples");
    for (int64_t i = 0; i < rows; ++i) {
      values[i][f] = groups.scores[f][i].value_or(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return matrix;
}

std::vector<bool> groups_with_signal(const ScoredGroups& groups,
                                     const std::vector<double>& weights,
                                     int64_t group_size) {
  std::vector<bool> signal(groups.groups(), false);
  for (int64_t g = 0; g < groups.groups(); ++g) {
    bool seen = false;
    double first = 0.0;
    for (int64_t j = 0; j < group_size && !signal[g]; ++j) {
      const std::optional<double> combined =
          combined_reward(groups.scores, weights, static_cast<size_t>(g * group_size + j));
      if (!combined) continue;  // unscorable samples drop out of the group, as in the advantage
      if (!seen) {
        seen = true;
        first = *combined;
      } else if (*combined != first) {
        signal[g] = true;
      }
    }
  }
  return signal;
}

void append_groups(ScoredGroups& into,
                   ScoredGroups&& from,
                   const std::vector<bool>& keep,
                   int64_t limit,
                   int64_t group_size) {
  if (into.scores.empty()) into.scores.resize(from.scores.size());
  into.rollout_seconds += from.rollout_seconds;
  into.reward_seconds += from.reward_seconds;
  into.generated_tokens += from.generated_tokens;
  for (int64_t g = 0; g < from.groups() && into.groups() < limit; ++g) {
    if (!keep[g]) continue;
    const int64_t group_index = into.groups();
    into.prompt_rows.push_back(from.prompt_rows[g]);
    for (int64_t j = 0; j < group_size; ++j) {
      const int64_t row = g * group_size + j;
      GeneratedSample sample = std::move(from.samples[row]);
      sample.prompt_index = group_index;
      into.samples.push_back(std::move(sample));
      for (size_t f = 0; f < from.scores.size(); ++f) into.scores[f].push_back(from.scores[f][row]);
    }
  }
}

}  // namespace r1forge
