// The stateless building blocks of a Llama/Qwen2/Qwen3 decoder: rotate-half RoPE, SwiGLU, and the
// attention mask for padded batches. Numerics follow transformers' modeling_qwen2.py exactly
// (formats.md §3): RoPE tables in fp32, then cast to the activation dtype. RMSNorm is
// kernels::rms_norm (kernels/kernels.h): the fused CUDA kernel where it applies, else its ATen
// twin with HF's numerics (fp32, the weight applied after casting back).
// Shapes: N rows, T new positions, S key positions (cached + new), E width, D head dim.
// Not here: the weights and the layer wiring (transformer.h), RMSNorm (kernels/kernels.h).
#pragma once

#include <ATen/ATen.h>

#include "r1forge/model/model_config.h"

namespace r1forge {

// RoPE inverse frequencies [D/2] fp32, with Llama-3 scaling applied when configured.
at::Tensor rope_inverse_frequencies(const ModelConfig& config);

struct RotaryTables {
  at::Tensor cos;  // [N, T, 1, D], activation dtype
  at::Tensor sin;  // [N, T, 1, D]
};
// positions [N, T] int64 -> tables for those positions (angles computed in fp32).
RotaryTables rope_tables(const at::Tensor& inverse_frequencies,
                         const at::Tensor& positions,
                         at::ScalarType dtype);
// x [N, T, heads, D] -> x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1).
at::Tensor apply_rope(const at::Tensor& x, const RotaryTables& tables);

// gate_up [..., 2I] (gate then up, as fused by the transformer) -> silu(gate) * up [..., I].
at::Tensor swiglu(const at::Tensor& gate_up);

// Boolean attention mask [N, 1, T, S] (true = may attend) for queries at key positions
// S-T .. S-1: causal, restricted to keys whose key_mask [N, S] is true, and always allowing a
// query to see itself so that a padding query's softmax stays finite (its output is ignored).
at::Tensor causal_padding_mask(const at::Tensor& key_mask, int64_t new_positions);

// Positions [N, T] for a left- or right-padded batch: real tokens count 0, 1, 2, ... from the
// row's first real token; padding gets 0. mask [N, T] bool or integer (nonzero = real).
at::Tensor positions_from_mask(const at::Tensor& mask);

}  // namespace r1forge
