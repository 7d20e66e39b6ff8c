// Decode attention over a paged KV cache, flash-decoding style: one (row, kv head, sequence
// split) attends its one query per head to a slice of the row's positions, and a merge combines
// the splits' partial results by the log-sum-exp rule. Written once for the CUDA kernels
// (src/kernels/paged_attention.cu: one block per (row, kv head, split), then one per (row, head)
// to merge) and for the host, where tests run it on one thread (sampling_block.h's HostBlock).
// All query heads of a kv head (GQA) are served together, so each key and value is read once
// per group. fp32 throughout: scores, online softmax, accumulators, merge.
// Not here: the launcher and its argument checks, prefill (many queries per row); no torch.
#pragma once

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "r1forge/kernels/paged_attention_layout.h"

namespace r1forge::kernels::paged_attention {

using sampling::HostBlock;
using sampling::Max;
using sampling::Sum;

// Value positions of a tile are dealt round-robin to `partitions` sets of D threads, so small
// heads still keep every thread busy; the sets are summed at the end.
template <typename Block>
R1F_HOST_DEVICE int value_partitions(const Block& block, int head_dim) {
  return block.thread_count() > head_dim ? block.thread_count() / head_dim : 1;
}

// Attends query heads [G, D] (one kv head's group, unscaled) to positions [range.begin,
// range.end) of `row`, tile by tile: (1) one thread per position scores it against all G heads
// (its key is read once), (2) one group (warp) per head finds the tile's max, turns scores into
// exp(score - new max) and rescales the running sum: an online softmax in fp32, (3) one thread
// per (value column, partition) adds p * v over the tile for all G heads. Leaves the split's
// max, sum and accumulators in `scratch` (all threads may read them on return). A Block
// provides thread_index(), thread_count() (<= kMaxThreads), lane(), group_size(),
// group_index(), sync() and group_reduce(value, combine), as sampling_block.h describes.
template <typename Block, typename Element, typename Reader>
R1F_HOST_DEVICE void attend_split(const Block& block,
                                  AttentionScratch& scratch,
                                  const Element* query,  // [G, D]
                                  int group,
                                  float scale,
                                  const PagedRow<Element>& row,
                                  SplitRange range,
                                  Reader read) {
  const int head_dim = row.head_dim, threads = block.thread_count();
  const int padded_dim = (head_dim + kChunk - 1) / kChunk * kChunk;
  const int partitions = value_partitions(block, head_dim), columns = partitions * head_dim;
  for (int i = block.thread_index(); i < group * padded_dim; i += threads) {
    const int g = i / padded_dim, d = i % padded_dim;
    scratch.query[g][d] = d < head_dim ? to_float(query[g * head_dim + d]) * scale : 0.f;
  }
  for (int i = block.thread_index(); i < group * columns; i += threads) {
    scratch.accumulator[i / columns][i % columns] = 0.f;
  }
  for (int g = block.thread_index(); g < group; g += threads) {
    scratch.running_max[g] = -INFINITY;
    scratch.running_sum[g] = 0.f;
  }
  block.sync();
  for (int64_t tile_begin = range.begin; tile_begin < range.end; tile_begin += kTile) {
    const int count =
        range.end - tile_begin < kTile ? static_cast<int>(range.end - tile_begin) : kTile;
    for (int p = block.thread_index(); p < count; p += threads) {
      const int64_t offset = row.offset_of(tile_begin + p);
      scratch.offsets[p] = offset;
      float score[kMaxGroupSize] = {};
      for (int d0 = 0; d0 < head_dim; d0 += kChunk) {
        float key[kChunk];
        read(row.keys + offset + d0, head_dim - d0, key);
        R1F_UNROLL
        for (int g = 0; g < kMaxGroupSize; ++g) {
          R1F_UNROLL
          for (int i = 0; i < kChunk; ++i) {
            if (g < group) score[g] += scratch.query[g][d0 + i] * key[i];
          }
        }
      }
      R1F_UNROLL
      for (int g = 0; g < kMaxGroupSize; ++g) {
        if (g < group) scratch.scores[p][g] = score[g];
      }
    }
    block.sync();
    const int groups = threads / block.group_size();
    for (int g = block.group_index(); g < group; g += groups) {
      const float old_max = scratch.running_max[g];  // read before lane 0 replaces it below
      float tile_max = -INFINITY;
      for (int p = block.lane(); p < count; p += block.group_size()) {
        tile_max = fmaxf(tile_max, scratch.scores[p][g]);
      }
      const float new_max = fmaxf(old_max, block.group_reduce(tile_max, Max()));
      float tile_sum = 0.f;
      for (int p = block.lane(); p < count; p += block.group_size()) {
        const float weight = expf(scratch.scores[p][g] - new_max);
        scratch.scores[p][g] = weight;
        tile_sum += weight;
      }
      tile_sum = block.group_reduce(tile_sum, Sum());
      if (block.lane() == 0) {
        const float rescale = expf(old_max - new_max);  // 0 on the first tile (old max -inf)
        scratch.rescale[g] = rescale;
        scratch.running_sum[g] = scratch.running_sum[g] * rescale + tile_sum;
        scratch.running_max[g] = new_max;
      }
    }
    block.sync();
    for (int column = block.thread_index(); column < columns; column += threads) {
      const int d = column % head_dim;
      float sum[kMaxGroupSize] = {};
      for (int p = column / head_dim; p < count; p += partitions) {
        const float value = to_float(row.values[scratch.offsets[p] + d]);
        R1F_UNROLL
        for (int g = 0; g < kMaxGroupSize; ++g) {
          if (g < group) sum[g] += scratch.scores[p][g] * value;
        }
      }
      R1F_UNROLL
      for (int g = 0; g < kMaxGroupSize; ++g) {
        if (g < group) {
          scratch.accumulator[g][column] =
              scratch.accumulator[g][column] * scratch.rescale[g] + sum[g];
        }
      }
    }
    block.sync();
  }
}

// Hands each (head g < G, d < D) of the split just attended to emit(g, d, accumulated), the
// partitions summed: sum over the split of exp(score - running_max[g]) * v[d].
template <typename Block, typename Emit>
R1F_HOST_DEVICE void for_each_accumulated(
    const Block& block, const AttentionScratch& scratch, int group, int head_dim, Emit emit) {
  const int partitions = value_partitions(block, head_dim);
  for (int i = block.thread_index(); i < group * head_dim; i += block.thread_count()) {
    const int g = i / head_dim, d = i % head_dim;
    float total = 0.f;
    for (int partition = 0; partition < partitions; ++partition) {
      total += scratch.accumulator[g][partition * head_dim + d];
    }
    emit(g, d, total);
  }
}

// Merges one (row, head)'s splits, partials [splits, D + 2]: out[d] = sum_s w_s acc_s[d] /
// sum_s w_s sum_s with w_s = exp(max_s - max over splits), in fp32. Empty splits (max -inf)
// are skipped, their accumulators never read; no split at all gives zeros.
template <typename Block, typename Store>
R1F_HOST_DEVICE void merge_splits(
    const Block& block, const float* partials, int splits, int head_dim, Store store) {
  const int stride = head_dim + kPartialValues;
  float top = -INFINITY;
  for (int s = 0; s < splits; ++s) top = fmaxf(top, partials[s * stride + kPartialMax]);
  float weight[kMaxSplits];  // fixed-count loops keep it in registers
  float total = 0.f;
  R1F_UNROLL
  for (int s = 0; s < kMaxSplits; ++s) {
    const float split_max = s < splits ? partials[s * stride + kPartialMax] : -INFINITY;
    weight[s] = split_max > -INFINITY ? expf(split_max - top) : 0.f;
    if (weight[s] > 0.f) total += weight[s] * partials[s * stride + kPartialSum];
  }
  for (int d = block.thread_index(); d < head_dim; d += block.thread_count()) {
    float value = 0.f;
    R1F_UNROLL
    for (int s = 0; s < kMaxSplits; ++s) {
      if (weight[s] > 0.f) value += weight[s] * partials[s * stride + kPartialValues + d];
    }
    store(d, total > 0.f ? value / total : 0.f);
  }
}

// Writes the split just attended (or an empty one: max -inf, sum 0, accumulators left unwritten)
// as partial results, head g's at partials + g * head_stride: [max, sum, accumulator[D]].
template <typename Block>
R1F_HOST_DEVICE void write_partials(const Block& block,
                                    const AttentionScratch& scratch,
                                    int group,
                                    int head_dim,
                                    bool empty,
                                    float* partials,
                                    int64_t head_stride) {
  for (int g = block.thread_index(); g < group; g += block.thread_count()) {
    partials[g * head_stride + kPartialMax] = empty ? -INFINITY : scratch.running_max[g];
    partials[g * head_stride + kPartialSum] = empty ? 0.f : scratch.running_sum[g];
  }
  if (empty) return;
  for_each_accumulated(block, scratch, group, head_dim, [&](int g, int d, float total) {
    partials[g * head_stride + kPartialValues + d] = total;
  });
}

// The host twin of cuda::paged_decode_attention over fp32: query [A, H, D], key_pool and
// value_pool [blocks, Hkv, B, D], block_table [A, M], lengths [A] -> out [A, H, D]. Runs every
// block of the kernel's grid (row, kv head, split) in turn on one thread, then the merge (which
// the kernel skips for one split, writing accumulator / sum: the same bits, as w = 1 there).
inline void paged_decode_attention_on_host(const float* query,
                                           const float* key_pool,
                                           const float* value_pool,
                                           const int32_t* block_table,
                                           const int32_t* lengths,
                                           const PagedAttentionShape& shape,
                                           float scale,
                                           float* out) {
  const HostBlock block;
  const int splits = split_count(shape.capacity());
  const int group = shape.group_size(), head_dim = shape.head_dim;
  const int64_t split_stride = head_dim + kPartialValues, head_stride = splits * split_stride;
  auto scratch = std::make_unique<AttentionScratch>();
  std::vector<float> partials(static_cast<size_t>(shape.heads * head_stride));  // [H, S, D + 2]
  for (int64_t a = 0; a < shape.rows; ++a) {
    // NaN, so that a merge reading an empty split's accumulators would show in the output.
    std::fill(partials.begin(), partials.end(), std::numeric_limits<float>::quiet_NaN());
    const int64_t length = shape.clamped_length(lengths[a]);
    for (int kv_head = 0; kv_head < shape.kv_heads; ++kv_head) {
      const PagedRow<float> row = paged_row(shape, key_pool, value_pool, block_table, a, kv_head);
      const float* group_query = query + (a * shape.heads + kv_head * group) * head_dim;
      for (int split = 0; split < splits; ++split) {
        const SplitRange range = split_range(length, splits, split);
        if (!range.empty()) {
          attend_split(block, *scratch, group_query, group, scale, row, range,
                       ScalarReader<float>());
        }
        write_partials(block, *scratch, group, head_dim, range.empty(),
                       partials.data() + kv_head * group * head_stride + split * split_stride,
                       head_stride);
      }
    }
    for (int head = 0; head < shape.heads; ++head) {
      float* head_out = out + (a * shape.heads + head) * head_dim;
      merge_splits(block, partials.data() + head * head_stride, splits, head_dim,
                   [&](int d, float value) { head_out[d] = value; });
    }
  }
}

}  // namespace r1forge::kernels::paged_attention
