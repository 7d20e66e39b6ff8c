// Preallocated key/value cache for incremental decoding: per layer [N, Hkv, S_max, D].
//
// The transformer writes the keys and values of new positions at [length, length + T) for all
// rows and attends over [0, length + T); rows of different prompt lengths are left-padded and
// told apart by the key mask the caller passes. No per-step allocation: tensors are written
// with narrow().copy_(). Slot reuse and per-row bookkeeping for continuous batching belong to
// the sampling engine (sampling/, [order 2]), which owns a KvCache and manages its rows.
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
