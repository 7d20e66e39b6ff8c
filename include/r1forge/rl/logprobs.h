// Per-token log-probabilities log p(target | prefix), and optionally the entropy of the
// next-token distribution, from final hidden states: for scoring and for GRPO training.
// Rows go in chunks of C, so no [N, T, V] tensor is ever formed: the forward keeps only per-row
// logsumexp (and entropy), the backward recomputes each chunk's logits. Peak extra memory,
// grads on or off: two [C, V] fp32 buffers (+ one in the model dtype if not fp32) + the grads.
// Numerics: logits in the model dtype (bf16 on GPU), softmax math in fp32 per chunk.
// Not here: the model forward, the policy loss (rl/policy_loss.h), sampling-side log-probs.
// Shapes: N rows, T positions, E width, V vocab, C chunk rows.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace r1forge {

struct TokenLogprobOptions {
  int64_t chunk_rows = 1024;  // rows (positions) per chunk; bounds the [C, V] temporaries
  double temperature = 1.0;  // logits are divided by it before the softmax (TRL does this for GRPO)
  bool with_entropy = false;  // also return per-token entropy of softmax(logits / temperature)
};

struct TokenLogprobs {
  at::Tensor logprobs;  // [N, T] fp32
  at::Tensor entropy;   // [N, T] fp32, undefined unless with_entropy
};

// hidden [N, T, E] (final-normed), output_embedding [V, E], targets [N, T] int64 in [0, V)
// -> TokenLogprobs. logprobs = log_softmax(hidden · output_embeddingᵀ / temperature)[target];
// entropy = −Σ_v p_v log p_v of the same softmax.
//
// Differentiable w.r.t. hidden and output_embedding (which may be the tied input embedding:
// its gradient is simply returned and accumulates with the lookup's). Backward recomputes
// chunk logits; it is once-differentiable (no double backward: the backward's own ops are not
// recorded). With grad mode off, or when neither input requires grad, it is a plain chunked
// forward with no autograd node. Hidden may be non-contiguous (it is reshaped, copying if
// needed). One host sync checks the target range (a clear DataError instead of a device
// assert). Works on any device the inputs share.
TokenLogprobs compute_token_logprobs(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     const at::Tensor& targets,
                                     const TokenLogprobOptions& options);

// compute_token_logprobs(...).logprobs at temperature 1 without entropy: [N, T] fp32.
at::Tensor token_logprobs(const at::Tensor& hidden,
                          const at::Tensor& output_embedding,
                          const at::Tensor& targets,
                          int64_t chunk_rows = 1024);

}  // namespace r1forge
