// Internal to the chunked log-softmax sources (logprobs.cpp, teacher_topk.cpp,
// distill_loss.cpp): the [C, V] work buffers and the per-chunk logits GEMM. The distillation
// sources compute in fp64 for fp64 inputs (compute_dtype) so the exactness tests can compare at
// 1e-9 rather than at fp32 rounding; logprobs.cpp always computes in fp32. Not a public header.
// Shapes: C chunk rows, E width, V vocab.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace r1forge::chunked_logits {

// The dtype of the softmax math: fp64 for fp64 models, fp32 otherwise (bf16's 8-bit mantissa
// is too coarse for a softmax over a large vocabulary).
inline at::ScalarType compute_dtype(at::ScalarType model_dtype) {
  return model_dtype == at::kDouble ? at::kDouble : at::kFloat;
}

// Allocated once per call and sliced for the last, shorter chunk, so the chunk loop allocates
// nothing large (on CPU each fresh [C, V] block would be a new zero-filled mmap).
struct ChunkBuffers {
  at::Tensor logits;  // [C, V] model dtype; undefined when it equals the compute dtype
  at::Tensor z;       // [C, V] compute dtype
  at::Tensor other;   // [C, V] compute dtype, undefined unless asked for
};

// Buffers for `rows` chunk rows of logits against weight [V, E], the softmax math in `dtype`.
inline ChunkBuffers make_chunk_buffers(const at::Tensor& weight,
                                       int64_t rows,
                                       at::ScalarType dtype,
                                       bool with_other = true) {
  ChunkBuffers buffers;
  if (weight.scalar_type() != dtype) {
    buffers.logits = at::empty({rows, weight.size(0)}, weight.options());
  }
  buffers.z = at::empty({rows, weight.size(0)}, weight.options().dtype(dtype));
  if (with_other) buffers.other = at::empty({rows, weight.size(0)}, weight.options().dtype(dtype));
  return buffers;
}

// h [C, E], weight [V, E] -> z = (h·Wᵀ) / temperature [C, V] in the compute dtype (a view of
// buffers.z). The GEMM runs in the model dtype (bf16 on GPU: tensor cores, half the bytes).
inline at::Tensor chunk_logits(const at::Tensor& h,
                               const at::Tensor& weight,
                               double temperature,
                               ChunkBuffers& buffers) {
  at::Tensor z = buffers.z.narrow(0, 0, h.size(0));
  if (buffers.logits.defined()) {
    at::Tensor logits = buffers.logits.narrow(0, 0, h.size(0));
    at::mm_out(logits, h, weight.t());
    z.copy_(logits);
  } else {
    at::mm_out(z, h, weight.t());
  }
  if (temperature != 1.0) z.div_(temperature);
  return z;
}

// logsumexp over dim 1 of x [C, V], overwriting x: the same max-shifted sum as at::logsumexp
// without its [C, V] temporary (a third [C, V] buffer at the peak otherwise). A row of all
// −inf gives −inf (its max is replaced by 0 so no −inf − −inf NaN forms).
inline at::Tensor logsumexp_rows_(at::Tensor& x) {
  at::Tensor max = at::amax(x, /*dim=*/{1}, /*keepdim=*/true);  // [C, 1]
  max.masked_fill_(at::isinf(max), 0.0);
  return x.sub_(max).exp_().sum(/*dim=*/1).log_().add_(max.squeeze(1));  // [C]
}

}  // namespace r1forge::chunked_logits
