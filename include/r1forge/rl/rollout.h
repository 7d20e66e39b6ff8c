// A GRPO rollout batch as tensors: each row is one completion of one prompt, the prompt and
// completion right-padded into one sequence (so training needs no attention mask: causality
// keeps real tokens from seeing the padding), with the completion's tokens, mask and sampler
// log-probs in [N, L] form; and the policy log-probs of those completion tokens, computed by
// gathering the hidden states that predict them before the chunked log-softmax.
// Shapes: N rows (B prompts x G samples, group-contiguous), T = longest prompt + completion,
// L = longest completion, E width.
// Not here: generation (sampling/engine.h), rewards, advantages, the loss.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "r1forge/model/transformer.h"
#include "r1forge/rl/logprobs.h"
#include "r1forge/sampling/engine.h"

namespace r1forge {

struct RolloutBatch {
  at::Tensor input_ids;           // [N, T] int64: prompt ++ completion ++ padding (pad id)
  at::Tensor prompt_lengths;      // [N] int64
  at::Tensor completion_lengths;  // [N] int64
  at::Tensor completion_ids;      // [N, L] int64, 0 past the completion
  at::Tensor completion_mask;     // [N, L] fp32: 1 on completion tokens that count in the loss
  at::Tensor sampler_logprobs;    // [N, L] fp32 log-probs the sampler reported (0 past the end)
  at::Tensor truncated;           // [N] bool: the completion hit max_new_tokens

  int64_t rows() const { return input_ids.size(0); }
};

// Builds the batch from engine samples; `prompts[i]` are the ids of prompt i (sample.prompt_
// index). Completions cut at max_new_tokens keep mask 1 unless mask_truncated (DAPO's
// overlong filtering), which zeroes their whole row. Empty completions get an all-zero row.
RolloutBatch make_rollout_batch(const std::vector<std::vector<int64_t>>& prompts,
                                const std::vector<GeneratedSample>& samples,
                                int64_t pad_id,
                                bool mask_truncated);

// Rows `rows` [n] int64 of `batch`, trimmed to their own longest sequence and completion.
RolloutBatch select_rows(const RolloutBatch& batch, const at::Tensor& rows);

// Log-probs (and entropy) of every completion token under `model`, with logits divided by
// `options.temperature`: [N, L] each, differentiable when grad mode is on. Row n's token j is
// predicted by the hidden state at position prompt_length[n] - 1 + j. With `share_prompts`,
// rows with the same prompt (a GRPO group) compute it once when any two rows share one
// (rl/shared_prompt_logprobs.h; the same values up to summation order).
TokenLogprobs completion_logprobs(Transformer& model,
                                  const RolloutBatch& batch,
                                  const TokenLogprobOptions& options,
                                  bool share_prompts = false);

}  // namespace r1forge
