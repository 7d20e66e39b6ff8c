// Per-token log-probabilities log p(target | prefix) from final hidden states, computed in
// chunks of rows so that a full [N, T, V] fp32 log-softmax is never materialised: each chunk
// forms its logits [C, V], takes an fp32 log-softmax of them, and gathers the target's entry.
//
// Peak extra memory is one chunk's logits (chunk_rows x V x 4 bytes) when gradients are off.
// With gradients on, autograd keeps each chunk's logits for backward (the naive peak); the
// recomputing backward for training arrives with the GRPO loss ([order 3]).
// Shapes: N rows, T positions, E width, V vocab.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace r1forge {

// hidden [N, T, E] (final-normed), output_embedding [V, E], targets [N, T] int64
// -> log-probabilities [N, T] fp32. Target ids must lie in [0, V).
struct TokenLogprobOptions {
  int64_t chunk_rows = 1024;  // rows (positions) per chunk; bounds the [C, V] temporaries
  double temperature = 1.0;   // logits are divided by it before the softmax (TRL does this)
  bool with_entropy = false;  // also return per-token entropy of softmax(logits / temperature)
};
struct TokenLogprobs {
  at::Tensor logprobs;  // [N, T] fp32
  at::Tensor entropy;   // [N, T] fp32, undefined unless with_entropy
};
// hidden [N, T, E], output_embedding [V, E], targets [N, T] int64 -> TokenLogprobs;
// differentiable w.r.t. hidden and output_embedding.
TokenLogprobs compute_token_logprobs(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     const at::Tensor& targets,
                                     const TokenLogprobOptions& options);

at::Tensor token_logprobs(const at::Tensor& hidden,
                          const at::Tensor& output_embedding,
                          const at::Tensor& targets,
                          int64_t chunk_rows = 1024);

}  // namespace r1forge
