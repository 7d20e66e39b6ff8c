// KV cache allocation; see model/kv_cache.h.
#include "r1forge/model/kv_cache.h"

#include "r1forge/core/check.h"

namespace r1forge {

KvCache KvCache::allocate(const ModelConfig& config,
                          int64_t batch_size,
                          int64_t max_length,
                          at::TensorOptions options) {
  R1F_CHECK(batch_size > 0 && max_length > 0, "empty KV cache requested");
  KvCache cache;
  for (int64_t layer = 0; layer < config.num_hidden_layers; ++layer) {
    cache.keys.push_back(
        at::zeros({batch_size, config.num_key_value_heads, max_length, config.head_dim}, options));
    cache.values.push_back(at::zeros_like(cache.keys.back()));
  }
  return cache;
}

int64_t KvCache::position_bytes(const ModelConfig& config, int64_t element_bytes) {
  return 2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim *
         element_bytes;
}

int64_t KvCache::bytes() const {
  int64_t total = 0;
  for (size_t i = 0; i < keys.size(); ++i) total += keys[i].nbytes() + values[i].nbytes();
  return total;
}

KvCache KvCache::rows(int64_t start, int64_t count) const {
  KvCache view;
  for (size_t i = 0; i < keys.size(); ++i) {
    view.keys.push_back(keys[i].narrow(0, start, count));
    view.values.push_back(values[i].narrow(0, start, count));
  }
  return view;
}

}  // namespace r1forge
