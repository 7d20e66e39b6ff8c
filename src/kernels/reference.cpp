// ATen reference twins of the CUDA kernels; see kernels/reference.h.
#include "r1forge/kernels/reference.h"

#include <limits>

namespace r1forge::kernels {

at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  // fp32 inputs skip both casts: each is a dispatcher round trip (~µs) that matters when
  // decoding one token at a time (17 norms per step in the benchmark model).
  const bool fp32 = x.scalar_type() == at::kFloat;
  at::Tensor x32 = fp32 ? x : x.to(at::kFloat);
  at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  x32 = x32 * at::rsqrt(variance + eps);
  return weight * (fp32 ? x32 : x32.to(x.scalar_type()));
}

at::Tensor paged_decode_attention_reference(const at::Tensor& q,
                                            const at::Tensor& key_pool,
                                            const at::Tensor& value_pool,
                                            const at::Tensor& block_table,
                                            const at::Tensor& lengths,
                                            double scale) {
  const int64_t rows = q.size(0), heads = q.size(1), dim = q.size(2);
  const int64_t kv_heads = key_pool.size(1), block_size = key_pool.size(2);
  const int64_t blocks_per_row = block_table.size(1), span = blocks_per_row * block_size;
  // Unused table entries may be -1: any real block stands in, the length mask hides it.
  const at::Tensor index = block_table.clamp_min(0).to(at::kLong).reshape({-1});  // [N M]
  auto gather = [&](const at::Tensor& pool) {  // -> [N, Hkv, M B, D] fp32
    return pool.index_select(0, index)
        .view({rows, blocks_per_row, kv_heads, block_size, dim})
        .permute({0, 2, 1, 3, 4})
        .reshape({rows, kv_heads, span, dim})
        .to(at::kFloat);
  };
  const at::Tensor past_end = at::arange(span, lengths.options().dtype(at::kLong)).unsqueeze(0) >=
                              lengths.to(at::kLong).unsqueeze(1);  // [N, S]
  // Positions past a row's end may hold anything (another row's data, or NaN in a fresh pool):
  // zero weight is not enough against NaN, so their values are zeroed and scores masked.
  const at::Tensor keys = gather(key_pool);
  const at::Tensor values = gather(value_pool).masked_fill(past_end.view({rows, 1, span, 1}), 0);
  const at::Tensor query = q.to(at::kFloat).view({rows, kv_heads, heads / kv_heads, dim});
  at::Tensor scores = at::matmul(query, keys.transpose(-1, -2)).mul_(scale);  // [N, Hkv, G, S]
  scores.masked_fill_(past_end.view({rows, 1, 1, span}), -std::numeric_limits<float>::infinity());
  const at::Tensor attention = at::matmul(at::softmax(scores, -1), values);  // [N, Hkv, G, D]
  return attention.reshape({rows, heads, dim}).to(q.scalar_type());
}

}  // namespace r1forge::kernels
