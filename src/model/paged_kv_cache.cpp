// Paged KV pool allocation; see model/paged_kv_cache.h.
#include "r1forge/model/paged_kv_cache.h"

#include "r1forge/core/check.h"

namespace r1forge {

PagedKvCache PagedKvCache::allocate(const ModelConfig& config,
                                    int64_t blocks,
                                    int64_t block_size,
                                    at::TensorOptions options) {
  R1F_CHECK(blocks > 0 && block_size > 0, "empty paged KV cache requested");
  PagedKvCache cache;
  for (int64_t layer = 0; layer < config.num_hidden_layers; ++layer) {
    cache.keys.push_back(
        at::zeros({blocks, config.num_key_value_heads, block_size, config.head_dim}, options));
    cache.values.push_back(at::zeros_like(cache.keys.back()));
  }
  return cache;
}

int64_t PagedKvCache::bytes() const {
  int64_t total = 0;
  for (size_t i = 0; i < keys.size(); ++i) total += keys[i].nbytes() + values[i].nbytes();
  return total;
}

}  // namespace r1forge
