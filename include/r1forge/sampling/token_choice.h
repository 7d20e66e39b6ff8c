// One decode step's token choice, on the device the logits are on: the reported log-probs
// (engine.h defines them), penalties and truncation, the draw, and a single device-to-host copy
// of the results (the step's one sync point). Two interchangeable paths draw the same tokens
// from the same per-row uniforms: the fused CUDA kernel (kernels/sampling_row.h, one pass set
// over the vocabulary, no sort) where it applies, and its ATen twin (the processor chain of
// logits_processor.h + sampler.h) everywhere else. kernels.sampling: aten forces the twin.
// Not here: the generators' seeding (engine.cpp) or stop conditions.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "r1forge/sampling/logits_processor.h"

namespace r1forge {

// Host copies of one step's choice, one entry per row.
struct TokenChoice {
  at::Tensor tokens;        // [R] int64 CPU
  at::Tensor logprobs;      // [R] fp32 CPU: log softmax(logits / T)[token] (T = 1 when greedy)
  at::Tensor raw_logprobs;  // [R] fp32 CPU: log softmax(logits)[token]; undefined unless asked
};

// logits [R, V] fp32 on any device (consumed: edited in place); batch [R] rows' parameters and
// token histories; generators [R] each row's CPU generator (greedy rows draw nothing).
TokenChoice choose_tokens(at::Tensor logits,
                          const SamplingBatch& batch,
                          std::vector<at::Generator>& generators,
                          const LogitsProcessorChain& chain,
                          bool raw_logprobs);

// Whether choose_tokens takes the fused CUDA kernel for these logits (loaded, enabled, CUDA).
bool token_choice_uses_kernel(const at::Tensor& logits);

}  // namespace r1forge
