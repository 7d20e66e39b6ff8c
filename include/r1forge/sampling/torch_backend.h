// The `torch` model backend: the Transformer of model/ with a preallocated KvCache, in plain
// ATen ops on the model's device. It is also the reference the `cuda` backend is tested
// against ([order 11]).
#pragma once

#include "r1forge/model/kv_cache.h"
#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"

namespace r1forge {

class TorchBackend : public ModelBackend {
 public:
  explicit TorchBackend(Transformer model);
  std::string name() const override { return "torch"; }
  int64_t vocab_size() const override { return model_->config().vocab_size; }
  void allocate(int64_t slots, int64_t capacity) override;
  PromptState prefill(const std::vector<int64_t>& tokens) override;
  void load_prompt(int64_t slot, const PromptState& state) override;
  void move_slot(int64_t from, int64_t to, int64_t length) override;
  at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) override;
  at::DeviceType device_type() const override { return model_->device().type(); }
  std::optional<at::ScalarType> mixed_precision() const override {
    return model_->mixed_precision();
  }
  int64_t cache_bytes() const override { return cache_.bytes(); }
  Transformer& model() { return model_; }

 private:
  Transformer model_;
  KvCache cache_;
};

}  // namespace r1forge
