// Completion log-probs with each distinct prompt computed once: GRPO's G completions of a
// prompt attend to that prompt's keys and values, which one forward over the P distinct
// prompts produced. Exact: the same function as rl/rollout.h's completion_logprobs (equal to
// it up to floating-point summation order); gradients reach the prompt positions through
// autograd (index_select's backward sums the G completions' contributions).
//
// Positions computed: P·Tp + N·(L − 1) instead of N·(Tp + L). With R1-style prompts of ~200
// tokens, G = 8 and 64-token completions that is 2.9k instead of 8.6k positions per 32 rows.
// Not here: which rows share (any rows with equal prompt tokens do), the loss.
// Shapes: N rows, P distinct prompts, Tp longest prompt, L longest completion, E width.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "r1forge/model/transformer.h"
#include "r1forge/rl/logprobs.h"
#include "r1forge/rl/rollout.h"

namespace r1forge {

// The distinct prompts of a batch and which one each row continues.
struct PromptGroups {
  at::Tensor prompt_ids;      // [P, Tp] int64, right-padded with 0
  at::Tensor prompt_lengths;  // [P] int64 (>= 1)
  at::Tensor key_mask;        // [P, Tp] bool: true on real prompt tokens
  at::Tensor owner;           // [N] int64: row n's prompt, in order of first appearance
  int64_t count() const { return prompt_ids.size(0); }
};

// Groups the rows of `batch` by their prompt tokens (equal lengths and ids); one host pass.
PromptGroups group_prompts(const RolloutBatch& batch);

// Token log-probs (and entropy) of every completion token, [N, L] each, as completion_logprobs
// computes them, with each of `groups`' prompts (group_prompts(batch)) computed once.
TokenLogprobs shared_prompt_completion_logprobs(Transformer& model,
                                                const RolloutBatch& batch,
                                                const PromptGroups& groups,
                                                const TokenLogprobOptions& options);

}  // namespace r1forge
