// A paged key/value cache: every layer's keys and values in a pool of fixed-size blocks
// [blocks, Hkv, B, D], and one decode step's addressing of it (each row's block table, its
// length, and where its new position goes). Rows sharing a prompt point at the same blocks;
// which blocks a row owns, shares or copies on write is the engine backend's bookkeeping
// (sampling/paged_backend.h). The attention over it is kernels::paged_decode_attention (a CUDA
// kernel with an ATen twin). Not here: block allocation or reference counts.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "r1forge/model/model_config.h"

namespace r1forge {

struct PagedKvCache {
  std::vector<at::Tensor> keys;    // per layer [blocks, Hkv, B, D]
  std::vector<at::Tensor> values;  // per layer [blocks, Hkv, B, D]

  int64_t blocks() const { return keys.empty() ? 0 : keys[0].size(0); }
  int64_t block_size() const { return keys.empty() ? 0 : keys[0].size(2); }
  // Zero-filled pool of `blocks` blocks of `block_size` positions per layer.
  static PagedKvCache allocate(const ModelConfig& config,
                               int64_t blocks,
                               int64_t block_size,
                               at::TensorOptions options);
  int64_t bytes() const;
};

// One decode step over a paged cache (ForwardInputs::paged): row n's one new token is written
// at (write_blocks[n], write_offsets[n]), then attends to its positions [0, lengths[n]), read
// through block_table[n]. All on the model's device.
struct PagedDecodeStep {
  PagedKvCache* cache = nullptr;
  at::Tensor block_table;    // [N, M] int32: row n's j-th block holds positions [j B, (j + 1) B)
  at::Tensor lengths;        // [N] int32, >= 1: positions attended, the new one included
  at::Tensor write_blocks;   // [N] int64
  at::Tensor write_offsets;  // [N] int64, < B
};

}  // namespace r1forge
