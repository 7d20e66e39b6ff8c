// Rollout batches and completion log-probs; see rl/rollout.h.
#include "r1forge/rl/rollout.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"
#include "r1forge/rl/shared_prompt_logprobs.h"

namespace r1forge {

RolloutBatch make_rollout_batch(const std::vector<std::vector<int64_t>>& prompts,
                                const std::vector<GeneratedSample>& samples,
                                int64_t pad_id,
                                bool mask_truncated) {
  const int64_t rows = static_cast<int64_t>(samples.size());
  R1F_CHECK(rows > 0, "make_rollout_batch: no samples");
  int64_t longest = 1, longest_completion = 1;
  for (const auto& sample : samples) {
    R1F_CHECK(
        sample.prompt_index >= 0 && sample.prompt_index < static_cast<int64_t>(prompts.size()),
        "sample names prompt ", sample.prompt_index, " of ", prompts.size());
    R1F_CHECK(sample.logprobs.size() == sample.token_ids.size(), "sample log-probs misaligned");
    const int64_t completion = static_cast<int64_t>(sample.token_ids.size());
    longest_completion = std::max(longest_completion, completion);
    longest =
        std::max(longest, static_cast<int64_t>(prompts[sample.prompt_index].size()) + completion);
  }
  RolloutBatch batch;
  batch.input_ids = at::full({rows, longest}, pad_id, at::kLong);
  batch.prompt_lengths = at::zeros({rows}, at::kLong);
  batch.completion_lengths = at::zeros({rows}, at::kLong);
  batch.completion_ids = at::zeros({rows, longest_completion}, at::kLong);
  batch.completion_mask = at::zeros({rows, longest_completion}, at::kFloat);
  batch.sampler_logprobs = at::zeros({rows, longest_completion}, at::kFloat);
  batch.truncated = at::zeros({rows}, at::kBool);
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  auto completion_ids = batch.completion_ids.accessor<int64_t, 2>();
  auto mask = batch.completion_mask.accessor<float, 2>();
  auto logprobs = batch.sampler_logprobs.accessor<float, 2>();
  for (int64_t row = 0; row < rows; ++row) {
    const GeneratedSample& sample = samples[row];
    const std::vector<int64_t>& prompt = prompts[sample.prompt_index];
    const int64_t prompt_length = static_cast<int64_t>(prompt.size());
    const int64_t completion = static_cast<int64_t>(sample.token_ids.size());
    const bool truncated = sample.finish_reason == FinishReason::LENGTH;
    for (int64_t t = 0; t < prompt_length; ++t) ids[row][t] = prompt[t];
    for (int64_t j = 0; j < completion; ++j) {
      ids[row][prompt_length + j] = sample.token_ids[j];
      completion_ids[row][j] = sample.token_ids[j];
      mask[row][j] = (truncated && mask_truncated) ? 0.0f : 1.0f;
      logprobs[row][j] = sample.logprobs[j];
    }
    batch.prompt_lengths[row] = prompt_length;
    batch.completion_lengths[row] = completion;
    batch.truncated[row] = truncated;
  }
  return batch;
}

RolloutBatch select_rows(const RolloutBatch& batch, const at::Tensor& rows) {
  RolloutBatch out;
  out.prompt_lengths = batch.prompt_lengths.index_select(0, rows);
  out.completion_lengths = batch.completion_lengths.index_select(0, rows);
  const int64_t longest =
      std::max<int64_t>(1, (out.prompt_lengths + out.completion_lengths).max().item<int64_t>());
  const int64_t longest_completion =
      std::max<int64_t>(1, out.completion_lengths.max().item<int64_t>());
  auto pick = [&](const at::Tensor& tensor, int64_t columns) {
    return tensor.index_select(0, rows).narrow(1, 0, columns).contiguous();
  };
  out.input_ids = pick(batch.input_ids, longest);
  out.completion_ids = pick(batch.completion_ids, longest_completion);
  out.completion_mask = pick(batch.completion_mask, longest_completion);
  out.sampler_logprobs = pick(batch.sampler_logprobs, longest_completion);
  out.truncated = batch.truncated.index_select(0, rows);
  return out;
}

TokenLogprobs completion_logprobs(Transformer& model,
                                  const RolloutBatch& batch,
                                  const TokenLogprobOptions& options,
                                  bool share_prompts) {
  if (share_prompts) {
    const PromptGroups groups = group_prompts(batch);
    if (groups.count() < batch.rows()) {
      return shared_prompt_completion_logprobs(model, batch, groups, options);
    }
  }
  const at::Device device = model->device();
  at::Tensor input_ids = to_device(batch.input_ids, device);
  at::Tensor hidden = model->hidden_states({input_ids});  // [N, T, E]
  const int64_t rows = hidden.size(0), length = hidden.size(1), width = hidden.size(2);
  const int64_t completion_length = batch.completion_ids.size(1);
  // Position of the hidden state predicting completion token j: prompt_length - 1 + j, clamped
  // for padding columns (their values are masked out by the caller).
  at::Tensor offsets = at::arange(completion_length, at::kLong).unsqueeze(0);
  at::Tensor positions =
      to_device((batch.prompt_lengths.unsqueeze(1) - 1 + offsets).clamp(0, length - 1), device);
  at::Tensor predicting = hidden.gather(
      1, positions.unsqueeze(2).expand({rows, completion_length, width}));  // [N, L, E]
  return compute_token_logprobs(predicting, model->output_embedding(),
                                to_device(batch.completion_ids, device), options);
}

}  // namespace r1forge
