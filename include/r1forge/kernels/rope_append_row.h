// One decode row's RoPE and paged-cache append: from the row's fused projection qkv
// [H + 2 Hkv, D] (pre-RoPE, model dtype) and its position's rotary tables, writes the rotated
// queries [H, D] out, and the rotated keys and the raw values into the pools [blocks, Hkv, B, D]
// at the row's (block, offset). Rounds as ATen's apply_rope (model/layers.cpp) step by step, so
// the results are bit-identical to it. Written once for the CUDA kernel (src/kernels/
// rope_append.cu: one block per row) and the host (rope_append_on_host, for tests).
// Not here: the launcher and its argument checks, qk-norm (Qwen3 normalises q and k before
// RoPE), prefill (many positions per row), the attention; no torch.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "r1forge/kernels/paged_attention_layout.h"

namespace r1forge::kernels::rope_append {

// Unqualified calls below also find, by argument-dependent lookup, the to_float / store_float of
// other element types (tests emulate bf16 on the host so).
using paged_attention::store_float;
using paged_attention::to_float;
using sampling::HostBlock;

// The sizes of one call: qkv [rows, heads + 2 kv_heads, D] (queries, keys, values), cos and
// sin [rows, D], pools [blocks, kv_heads, block_size, D].
struct RopeAppendShape {
  int64_t rows;
  int heads;
  int kv_heads;
  int head_dim;  // even: rotate_half pairs d with d +- D/2
  int block_size;
  int64_t blocks;
  R1F_HOST_DEVICE int qkv_heads() const { return heads + 2 * kv_heads; }
  R1F_HOST_DEVICE bool in_pool(int64_t block, int64_t offset) const {
    return block >= 0 && block < blocks && offset >= 0 && offset < block_size;
  }
  // Where kv head `kv_head`'s row at (block, offset) starts in a pool, in elements.
  R1F_HOST_DEVICE int64_t pool_offset(int64_t block, int kv_head, int64_t offset) const {
    return ((block * kv_heads + kv_head) * block_size + offset) * head_dim;
  }
};

// fp32 a * b and a + b, each rounded once. In device code never contracted into an FMA: nvcc's
// default --fmad=true would make x * cos + y * sin fma(x, cos, y * sin), one rounding fewer than
// ATen's separate kernels. Host compilers contract only for FMA targets (GCC's default
// -ffp-contract=fast with -march=native or -mfma), which r1forge does not build for.
R1F_HOST_DEVICE inline float multiply_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
R1F_HOST_DEVICE inline float add_rounded(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// `value` rounded to Element (to nearest even, as ATen's fp32 -> bf16 / fp16 casts), as fp32.
template <typename Element>
R1F_HOST_DEVICE float rounded_to(float value) {
  Element element;
  store_float(&element, value);
  return to_float(element);
}

// Element d of one head x [D] after RoPE, rounded as ATen's apply_rope,
// x * cos + cat(-x2, x1) * sin: three elementwise kernels in Element, each computing in fp32
// and rounding its result to Element (neg is exact). So each product is rounded to Element, and
// their fp32 sum is rounded to Element by the caller's store. Products of two bf16 / fp16 values
// are exact in fp32 (8- / 11-bit significands), so no step here rounds twice. For fp32 the
// three steps are fp32 roundings, the same expression order.
template <typename Element>
R1F_HOST_DEVICE float rotated_element(
    const Element* head, const Element* cos, const Element* sin, int d, int half) {
  const float x = to_float(head[d]);
  const float partner = d < half ? -to_float(head[d + half]) : to_float(head[d - half]);
  const float direct = rounded_to<Element>(multiply_rounded(x, to_float(cos[d])));
  const float turned = rounded_to<Element>(multiply_rounded(partner, to_float(sin[d])));
  return add_rounded(direct, turned);
}

// Row `qkv` [H + 2 Hkv, D] of one decode step, its position's tables cos and sin [D]: writes
// rotated q to query_out [H, D], rotated k and raw v (bits copied, as index_put_) to the pools at
// (write_block, :, write_offset, :), which must be in_pool (not checked here). Threads stride
// over the row's (head, d) elements, consecutive threads on consecutive d so that reads and
// writes coalesce; no barriers. A Block provides thread_index() and thread_count().
template <typename Block, typename Element>
R1F_HOST_DEVICE void rope_append_row(const Block& block,
                                     const RopeAppendShape& shape,
                                     const Element* qkv,  // [H + 2 Hkv, D]
                                     const Element* cos,  // [D]
                                     const Element* sin,  // [D]
                                     int64_t write_block,
                                     int64_t write_offset,
                                     Element* query_out,   // [H, D]
                                     Element* key_pool,    // [blocks, Hkv, B, D]
                                     Element* value_pool)  // [blocks, Hkv, B, D]
{
  const int head_dim = shape.head_dim, half = head_dim / 2;
  const int rotated_heads = shape.heads + shape.kv_heads;
  const int elements = shape.qkv_heads() * head_dim;
  for (int i = block.thread_index(); i < elements; i += block.thread_count()) {
    const int head = i / head_dim, d = i % head_dim;
    if (head < shape.heads) {
      store_float(query_out + i, rotated_element(qkv + head * head_dim, cos, sin, d, half));
    } else if (head < rotated_heads) {
      const int64_t target = shape.pool_offset(write_block, head - shape.heads, write_offset);
      store_float(key_pool + target + d, rotated_element(qkv + head * head_dim, cos, sin, d, half));
    } else {
      const int64_t target = shape.pool_offset(write_block, head - rotated_heads, write_offset);
      value_pool[target + d] = qkv[i];
    }
  }
}

// The host twin of cuda::rope_append, over fp32 (or any Element with to_float / store_float):
// qkv [N, H + 2 Hkv, D], cos and sin [N, D], write_blocks and write_offsets [N] -> query_out
// [N, H, D], and row n's rotated keys and values written into the pools at
// (write_blocks[n], :, write_offsets[n], :); nothing else in the pools is touched. Runs the
// kernel's blocks in turn on one thread. Throws std::out_of_range where a row's (block, offset)
// is outside the pool (the kernel stops on a device assert there, as index_put_ does).
template <typename Element>
void rope_append_on_host(const Element* qkv,
                         const Element* cos,
                         const Element* sin,
                         const int64_t* write_blocks,
                         const int64_t* write_offsets,
                         const RopeAppendShape& shape,
                         Element* query_out,
                         Element* key_pool,
                         Element* value_pool) {
  const HostBlock block;
  const int64_t head_dim = shape.head_dim;
  for (int64_t n = 0; n < shape.rows; ++n) {
    if (!shape.in_pool(write_blocks[n], write_offsets[n])) {
      throw std::out_of_range("rope_append_on_host: a row's (block, offset) is outside the pool");
    }
    rope_append_row(block, shape, qkv + n * shape.qkv_heads() * head_dim, cos + n * head_dim,
                    sin + n * head_dim, write_blocks[n], write_offsets[n],
                    query_out + n * shape.heads * head_dim, key_pool, value_pool);
  }
}

}  // namespace r1forge::kernels::rope_append
