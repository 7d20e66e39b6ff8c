// The `recompute` model backend: no KV cache; every decode step runs the full forward over
// each slot's whole sequence (right-padded batch) and keeps the last position's logits. It
// costs sum over steps of (P + t) token positions instead of P + L, which is what the KV
// cache saves; `r1forge bench generate` measures the engine against it, and tests use it as
// an independent path to the same logits.
#pragma once

#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"

namespace r1forge {

class RecomputeBackend : public ModelBackend {
 public:
  explicit RecomputeBackend(Transformer model);
  std::string name() const override { return "recompute"; }
  int64_t vocab_size() const override { return model_->config().vocab_size; }
  void allocate(const DecodeShape& shape) override;
  PromptState prefill(const std::vector<int64_t>& tokens) override;
  void load_prompt(int64_t slot, const PromptState& state) override;
  void move_slot(int64_t from, int64_t to, int64_t length) override;
  at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) override;
  at::DeviceType device_type() const override { return model_->device().type(); }
  std::optional<at::ScalarType> mixed_precision() const override {
    return model_->mixed_precision();
  }
  int64_t cache_bytes() const override { return 0; }

 private:
  Transformer model_;
  std::vector<std::vector<int64_t>> sequences_;  // per slot: every token fed so far
};

}  // namespace r1forge
