// Preallocated key/value cache for incremental decoding: per layer [N, Hkv, S_max, D].
//
// Two ways to write: uniformly, the keys and values of new positions at [length, length + T)
// for all rows (a prefill), or per row, each row's one new position at its own index
// (ForwardInputs::write_positions, decoding), with a key mask marking each row's filled
// positions. No per-step allocation: tensors are written in place. Slot reuse and per-row
// bookkeeping for continuous batching belong to the sampling engine (sampling/engine.h), which
// owns a KvCache and manages its rows.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "r1forge/model/model_config.h"

namespace r1forge {

struct KvCache {
  std::vector<at::Tensor> keys;    // per layer [N, Hkv, S_max, D]
  std::vector<at::Tensor> values;  // per layer [N, Hkv, S_max, D]
  int64_t length = 0;              // positions already written (same for every row)

  int64_t batch_size() const { return keys.empty() ? 0 : keys[0].size(0); }
  int64_t capacity() const { return keys.empty() ? 0 : keys[0].size(2); }

  // Bytes of one position's keys and values over all layers, at `element_bytes` per value.
  static int64_t position_bytes(const ModelConfig& config, int64_t element_bytes);
  // Zero-filled cache for `batch_size` rows of up to `max_length` positions.
  static KvCache allocate(const ModelConfig& config,
                          int64_t batch_size,
                          int64_t max_length,
                          at::TensorOptions options);
  // Bytes held by the cache tensors.
  int64_t bytes() const;
  // A cache over rows [start, start + count) sharing this one's storage (views), length 0.
  KvCache rows(int64_t start, int64_t count) const;
};

}  // namespace r1forge
