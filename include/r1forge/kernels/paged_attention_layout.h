// The building blocks of paged decode attention (paged_attention_row.h): the sizes of a call,
// the rule that cuts rows into sequence splits, one row's view of a kv head of the paged cache,
// cache element reads as fp32, the layout of a split's partial result and a block's shared
// scratch. Host and device code alike (R1F_HOST_DEVICE); no torch.
// Not here: the attention steps and the merge (paged_attention_row.h), the CUDA Block policy
// and the launcher (src/kernels/paged_attention.cu).
#pragma once

#include "r1forge/kernels/sampling_block.h"
#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

// Unrolls the fixed-count loops over heads and chunk elements, so their arrays stay in registers.
#if !defined(R1F_UNROLL)
#if defined(__CUDACC__)
#define R1F_UNROLL _Pragma("unroll")
#else
#define R1F_UNROLL
#endif
#endif

namespace r1forge::kernels::paged_attention {

constexpr int kMaxHeadDim = 256;
constexpr int kMaxGroupSize = 8;  // query heads per kv head
constexpr int kMaxThreads = 256;  // the accumulators hold max(threads, head_dim) columns
constexpr int kTile = 128;        // positions scored between two online-softmax updates
constexpr int kChunk = 8;         // key elements per read: 16 bytes of bf16 / fp16
constexpr int64_t kSplitPositions = 512;
constexpr int kMaxSplits = 16;
// A split's partial result: [max, sum, accumulator[D]], unnormalised.
constexpr int kPartialMax = 0;
constexpr int kPartialSum = 1;
constexpr int kPartialValues = 2;

R1F_HOST_DEVICE inline float to_float(float value) {
  return value;
}
R1F_HOST_DEVICE inline void store_float(float* address, float value) {
  *address = value;
}
#if defined(__CUDACC__)
R1F_HOST_DEVICE inline float to_float(__nv_bfloat16 value) {
  return __bfloat162float(value);
}
R1F_HOST_DEVICE inline float to_float(__half value) {
  return __half2float(value);
}
// Round to nearest even, as ATen's fp32 -> bf16 / fp16 casts.
R1F_HOST_DEVICE inline void store_float(__nv_bfloat16* address, float value) {
  *address = __float2bfloat16(value);
}
R1F_HOST_DEVICE inline void store_float(__half* address, float value) {
  *address = __float2half(value);
}
#endif

// The sizes of one call: q [rows, heads, D], pools [blocks, kv_heads, block_size, D],
// block_table [rows, table_width].
struct PagedAttentionShape {
  int64_t rows;
  int heads;
  int kv_heads;
  int head_dim;
  int block_size;
  int table_width;
  R1F_HOST_DEVICE int group_size() const { return heads / kv_heads; }
  R1F_HOST_DEVICE int64_t capacity() const {
    return static_cast<int64_t>(table_width) * block_size;
  }
  // The positions row `length` covers: a length past the table's capacity is cut to it, one
  // below 0 counts as 0 (the row's output is then zeros).
  R1F_HOST_DEVICE int64_t clamped_length(int32_t length) const {
    const int64_t positions = length < 0 ? 0 : length;
    return positions < capacity() ? positions : capacity();
  }
};

// The splitting rule. The launch has split_count(capacity) splits for every row: one per 512
// positions of the table's capacity (known on the host without reading the lengths), 1 to 16.
// A row cuts its own length into pieces of at least 512 positions, whole tiles, as even as the
// count allows, so a short row fills split 0 and leaves the others empty (max -inf, sum 0).
R1F_HOST_DEVICE inline int split_count(int64_t capacity) {
  const int64_t splits = (capacity + kSplitPositions - 1) / kSplitPositions;
  return splits < 1 ? 1 : splits > kMaxSplits ? kMaxSplits : static_cast<int>(splits);
}
struct SplitRange {
  int64_t begin;
  int64_t end;
  R1F_HOST_DEVICE bool empty() const { return begin >= end; }
};
R1F_HOST_DEVICE inline SplitRange split_range(int64_t length, int splits, int split) {
  const int64_t even = (length + splits - 1) / splits;
  int64_t piece = (even + kTile - 1) / kTile * kTile;
  if (piece < kSplitPositions) piece = kSplitPositions;
  const int64_t begin = split * piece < length ? split * piece : length;
  return {begin, begin + piece < length ? begin + piece : length};
}

// One row's view of one kv head of the cache.
template <typename Element>
struct PagedRow {
  const Element* keys;         // [blocks, kv_heads, block_size, D]
  const Element* values;       // [blocks, kv_heads, block_size, D]
  const int32_t* block_table;  // [table_width]: this row's entries
  int kv_heads;
  int kv_head;
  int block_size;
  int head_dim;
  // Where position `position`'s key (and value) row starts, in elements.
  R1F_HOST_DEVICE int64_t offset_of(int64_t position) const {
    const int64_t block = block_table[position / block_size];
    return ((block * kv_heads + kv_head) * block_size + position % block_size) * head_dim;
  }
};

// Row `row`'s view of kv head `kv_head`, block_table being the whole [A, M] table.
template <typename Element>
R1F_HOST_DEVICE PagedRow<Element> paged_row(const PagedAttentionShape& shape,
                                            const Element* keys,
                                            const Element* values,
                                            const int32_t* block_table,
                                            int64_t row,
                                            int kv_head) {
  return {keys,           values,  block_table + row * shape.table_width,
          shape.kv_heads, kv_head, shape.block_size,
          shape.head_dim};
}

// Reads `available` (up to kChunk) consecutive cache elements as fp32, zeros after them. The
// CUDA launcher swaps in 16-byte loads where rows are aligned.
template <typename Element>
struct ScalarReader {
  R1F_HOST_DEVICE void operator()(const Element* source,
                                  int available,
                                  float (&out)[kChunk]) const {
    R1F_UNROLL
    for (int i = 0; i < kChunk; ++i) out[i] = i < available ? to_float(source[i]) : 0.f;
  }
};

// Shared memory of one block (about 21 KB).
struct AttentionScratch {
  float query[kMaxGroupSize][kMaxHeadDim];  // q * scale, zero past D up to a whole chunk
  float scores[kTile][kMaxGroupSize];       // a tile's scores, then their exp(score - max)
  int64_t offsets[kTile];                   // a tile's rows in the pools
  // Column c = partition * D + d: the sum of p * v[d] over the positions of partition c / D.
  float accumulator[kMaxGroupSize][kMaxThreads > kMaxHeadDim ? kMaxThreads : kMaxHeadDim];
  float running_max[kMaxGroupSize];
  float running_sum[kMaxGroupSize];  // sum of exp(score - running_max), fp32
  float rescale[kMaxGroupSize];      // exp(old max - new max) of the last tile
};

}  // namespace r1forge::kernels::paged_attention
