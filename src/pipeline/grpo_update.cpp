// GRPO policy updates over mini- and micro-batches; see pipeline/grpo_update.h.
#include "r1forge/pipeline/grpo_update.h"

#include <algorithm>
#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"
#include "r1forge/core/distributed.h"
#include "r1forge/rl/shared_prompt_logprobs.h"

namespace r1forge {
namespace {

// Rows [start, start + count) of an [N, L] tensor, cut to the micro-batch's `columns`.
at::Tensor slice_rows(const at::Tensor& tensor, int64_t start, int64_t count, int64_t columns) {
  return tensor.narrow(0, start, count).narrow(1, 0, columns);
}

// Accumulates loss stats weighted by each micro-batch's active tokens. Not the losses: they are
// sums over the micro-batches of one optimizer step (update_policy).
struct StatsAccumulator {
  double weight = 0.0;
  PolicyLossStats sum;
  double ratio_max = 0.0;
  void add(const PolicyLossStats& stats, double tokens) {
    weight += tokens;
    sum.clip_ratio_low_mean += tokens * stats.clip_ratio_low_mean;
    sum.clip_ratio_high_mean += tokens * stats.clip_ratio_high_mean;
    sum.clip_ratio_region_mean += tokens * stats.clip_ratio_region_mean;
    sum.kl_mean += tokens * stats.kl_mean;
    sum.entropy_mean += tokens * stats.entropy_mean;
    sum.ratio_mean += tokens * stats.ratio_mean;
    ratio_max = std::max(ratio_max, stats.ratio_max);
  }
  PolicyLossStats mean() const {
    PolicyLossStats out;
    if (weight <= 0) return out;
    out.clip_ratio_low_mean = sum.clip_ratio_low_mean / weight;
    out.clip_ratio_high_mean = sum.clip_ratio_high_mean / weight;
    out.clip_ratio_region_mean = sum.clip_ratio_region_mean / weight;
    out.kl_mean = sum.kl_mean / weight;
    out.entropy_mean = sum.entropy_mean / weight;
    out.ratio_mean = sum.ratio_mean / weight;
    out.ratio_max = ratio_max;
    return out;
  }
};

}  // namespace

PolicyUpdateStats update_policy(Transformer& policy,
                                Optimizer& optimizer,
                                const RolloutBatch& batch,
                                const PolicyUpdateInputs& inputs,
                                const PolicyUpdateConfig& config) {
  const int64_t rows = batch.rows();
  const int64_t mini = config.mini_batch_size > 0 ? std::min(config.mini_batch_size, rows) : rows;
  const int64_t micro = std::min(config.micro_batch_size, mini);
  const bool entropy_needed = config.loss.entropy_coef != 0.0;
  TokenLogprobOptions logprob_options{config.chunk_rows, config.temperature,
                                      /*with_entropy=*/true};
  policy->train();
  optimizer.zero_grad();
  PolicyUpdateStats result;
  StatsAccumulator stats;
  double grad_norm_sum = 0.0;
  // Sums over the optimizer steps of each step's loss and policy(+KL) term.
  double loss_sum = 0.0;
  double policy_loss_sum = 0.0;
  int64_t steps = 0;
  for (int64_t pass = 0; pass < config.num_iterations; ++pass) {
    for (int64_t mini_start = 0; mini_start < rows; mini_start += mini) {
      const int64_t mini_rows = std::min(mini, rows - mini_start);
      // DAPO normalises by the active tokens of the whole accumulation window.
      const int64_t window_tokens =
          batch.completion_mask.narrow(0, mini_start, mini_rows).sum().item<double>();
      const int64_t accumulation = (mini_rows + micro - 1) / micro;
      // This optimizer step's loss: the sum of what each micro-batch backpropagates, so its
      // gradient is the step's gradient and its value does not depend on the micro-batching
      // (except where the objective itself does: bnpo's and the entropy bonus's per-micro-batch
      // token means, as in TRL).
      double step_loss = 0.0;
      double step_policy_loss = 0.0;
      const int64_t last_owned = last_owned_item(accumulation);
      for (int64_t start = mini_start; start < mini_start + mini_rows; start += micro) {
        // Data parallel: micro-batch k of each mini-batch is rank k % world's. Every rank has
        // the whole batch, so the normalisers above are the mini-batch's on each of them.
        if (!owns_item((start - mini_start) / micro)) continue;
        if ((start - mini_start) / micro == last_owned) optimizer.overlap_next_backward();
        const int64_t count = std::min(micro, mini_start + mini_rows - start);
        RolloutBatch part = select_rows(batch, at::arange(start, start + count, at::kLong));
        const int64_t columns = part.completion_ids.size(1);
        const at::Device device = policy->device();
        TokenLogprobs current =
            completion_logprobs(policy, part, logprob_options, config.shared_prompts);
        PolicyLossInputs loss_inputs;
        loss_inputs.logp = current.logprobs;
        loss_inputs.old_logp =
            inputs.old_logprobs.defined()
                ? to_device(slice_rows(inputs.old_logprobs, start, count, columns), device)
                : current.logprobs.detach();
        if (inputs.ref_logprobs.defined()) {
          loss_inputs.ref_logp =
              to_device(slice_rows(inputs.ref_logprobs, start, count, columns), device);
        }
        loss_inputs.advantages = to_device(inputs.advantages.narrow(0, start, count), device);
        loss_inputs.mask = to_device(part.completion_mask, device);
        loss_inputs.entropy = entropy_needed ? current.entropy : current.entropy.detach();
        loss_inputs.global_active_tokens = window_tokens;
        // Per-sequence normalisers (grpo, dr_grpo, and bnpo's micro-batch token mean) take
        // this micro-batch's share of the mini-batch's rows, count / mini_rows, which is TRL's
        // 1 / accumulation_steps when the micro-batches are equal and exact when they are not
        // (the last one may be short). DAPO is normalised by window_tokens already; its
        // accumulation_steps only spreads the entropy bonus over the micro-batches.
        const bool token_normalised = config.loss.loss_type == LossType::DAPO;
        loss_inputs.accumulation_steps = token_normalised ? accumulation : 1;
        auto [loss, loss_stats] = policy_loss(loss_inputs, config.loss);
        const double share = token_normalised ? 1.0 : static_cast<double>(count) / mini_rows;
        if (!token_normalised) loss = loss * share;
        loss.backward();
        step_loss += loss.item<double>();  // sync point
        step_policy_loss += share * loss_stats.policy_loss;
        stats.add(loss_stats, part.completion_mask.sum().item<double>());
      }
      loss_sum += step_loss;
      policy_loss_sum += step_policy_loss;
      ++steps;
      StepResult step = optimizer.step();
      result.learning_rate = step.learning_rate;
      if (step.applied) {
        ++result.optimizer_steps;
        grad_norm_sum += step.grad_norm;
      } else {
        ++result.skipped_steps;
      }
    }
  }
  // What each rank summed over its micro-batches, summed over the ranks (one collective).
  const std::vector<double*> sums = {&loss_sum,
                                     &policy_loss_sum,
                                     &stats.weight,
                                     &stats.sum.clip_ratio_low_mean,
                                     &stats.sum.clip_ratio_high_mean,
                                     &stats.sum.clip_ratio_region_mean,
                                     &stats.sum.kl_mean,
                                     &stats.sum.entropy_mean,
                                     &stats.sum.ratio_mean};
  std::vector<double> totals;
  for (const double* sum : sums) totals.push_back(*sum);
  totals = all_reduce_sum(std::move(totals), "all_reduce policy update statistics");
  for (size_t i = 0; i < sums.size(); ++i) *sums[i] = totals[i];
  stats.ratio_max = max_over_ranks(stats.ratio_max, "max policy ratio");
  result.grad_norm = result.optimizer_steps ? grad_norm_sum / result.optimizer_steps : std::nan("");
  result.loss = stats.mean();
  result.step_loss = steps ? loss_sum / steps : std::nan("");
  result.loss.policy_loss = steps ? policy_loss_sum / steps : std::nan("");
  return result;
}

int64_t positions_per_pass(const RolloutBatch& batch,
                           int64_t micro_batch_size,
                           int64_t mini_batch_size,
                           bool shared_prompts) {
  const int64_t rows = batch.rows();
  const int64_t completions = batch.completion_lengths.sum().item<int64_t>();
  if (!shared_prompts) return completions + batch.prompt_lengths.sum().item<int64_t>();
  const int64_t mini = mini_batch_size > 0 ? std::min(mini_batch_size, rows) : rows;
  const int64_t micro = std::max<int64_t>(1, std::min(micro_batch_size, mini));
  int64_t prompts = 0;
  for (int64_t mini_start = 0; mini_start < rows; mini_start += mini) {
    const int64_t mini_end = std::min(mini_start + mini, rows);
    for (int64_t start = mini_start; start < mini_end; start += micro) {
      RolloutBatch part;  // group_prompts reads only the ids and prompt lengths
      part.input_ids = batch.input_ids.narrow(0, start, std::min(micro, mini_end - start));
      part.prompt_lengths = batch.prompt_lengths.narrow(0, start, part.input_ids.size(0));
      // One micro-batch whose rows all differ runs the plain path: its prompts once per row.
      prompts += group_prompts(part).prompt_lengths.sum().item<int64_t>();
    }
  }
  return completions + prompts;
}

at::Tensor score_completions(Transformer& model,
                             const RolloutBatch& batch,
                             int64_t micro_batch_size,
                             double temperature,
                             int64_t chunk_rows,
                             bool shared_prompts) {
  at::NoGradGuard no_grad;
  const int64_t rows = batch.rows();
  const int64_t columns = batch.completion_ids.size(1);
  at::Tensor result = at::zeros({rows, columns}, at::kFloat);
  TokenLogprobOptions options{chunk_rows, temperature, /*with_entropy=*/false};
  for (int64_t start = 0; start < rows; start += micro_batch_size) {
    if (!owns_item(start / micro_batch_size)) continue;  // data parallel, as in the update
    const int64_t count = std::min(micro_batch_size, rows - start);
    RolloutBatch part = select_rows(batch, at::arange(start, start + count, at::kLong));
    at::Tensor logprobs = completion_logprobs(model, part, options, shared_prompts).logprobs.cpu();
    result.narrow(0, start, count).narrow(1, 0, logprobs.size(1)).copy_(logprobs);
  }
  // Each rank filled its micro-batches' rows and left zeros elsewhere: the sum is the whole.
  std::vector<at::Tensor> parts = {result};
  world().all_reduce_sum(parts, "all_reduce scored completions");
  return result;
}

}  // namespace r1forge
