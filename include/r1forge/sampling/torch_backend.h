// The `torch` model backend: the Transformer of model/ with a preallocated KvCache, in plain
// ATen ops on the model's device. It is also the reference the `cuda` backend is tested
// against ([order 12]).
//
// Shared prompt cache (`sampling.shared_prompt_cache`): a prompt's prefilled keys and values
// are copied once into a prefix store, every slot decoding one of its samples points at that
// entry and holds only its own positions, and a decode step reads each prompt once for all its
// samples (model/shared_prefix_attention.h). It needs prompts that fan out (allocate's
// `fan_out`: several slots and some n >= 2); AUTO also needs the per-slot copies to pass
// kSharedPromptMinBytes, since smaller ones stay in the CPU's caches and the cascade's extra
// ops then cost more than the reads it saves (docs/performance.md). Otherwise each slot holds a
// copy of its prompt. The two give the same logits up to float rounding.
#pragma once

#include "r1forge/model/kv_cache.h"
#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"

namespace r1forge {

enum class PromptCacheSharing { AUTO, ALWAYS, NEVER };
// "auto" | "always" | "never"; ConfigError otherwise.
PromptCacheSharing parse_prompt_cache_sharing(const std::string& name);
// AUTO's threshold: the bytes of every slot's own copy of the longest prompt.
constexpr int64_t kSharedPromptMinBytes = int64_t{64} << 20;

class TorchBackend : public ModelBackend {
 public:
  explicit TorchBackend(Transformer model, PromptCacheSharing sharing = PromptCacheSharing::AUTO);
  std::string name() const override { return "torch"; }
  int64_t vocab_size() const override { return model_->config().vocab_size; }
  void allocate(const DecodeShape& shape) override;
  PromptState prefill(const std::vector<int64_t>& tokens) override;
  void load_prompt(int64_t slot, const PromptState& state) override;
  // `from` is empty afterwards (the engine pops it).
  void move_slot(int64_t from, int64_t to, int64_t length) override;
  at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) override;
  at::DeviceType device_type() const override { return model_->device().type(); }
  std::optional<at::ScalarType> mixed_precision() const override {
    return model_->mixed_precision();
  }
  int64_t cache_bytes() const override;
  Transformer& model() { return model_; }
  PromptCacheSharing prompt_cache_sharing() const { return sharing_mode_; }
  bool sharing_prompts() const { return sharing_; }  // in the current allocation

 private:
  // A free prefix-store entry holding `state` (reused when the prompt is already there).
  int64_t store_prompt(const PromptState& state);
  at::TensorOptions cache_options() const;

  Transformer model_;
  PromptCacheSharing sharing_mode_;
  bool sharing_ = false;  // the current allocation shares prompts
  KvCache cache_;         // per layer [slots, Hkv, capacity, D]; shared: each slot's own positions
  int64_t next_prompt_id_ = 0;
  // Shared prompt cache only. Entries grow on demand up to one per slot (a slot holds one
  // prompt, so some entry is always free when a slot is loaded).
  PrefixKeysValues prefix_store_;      // per layer [entries, Hkv, longest prompt, D]
  std::vector<int64_t> entry_prompt_;  // PromptState::id held by each entry (-1 = none)
  std::vector<int64_t> entry_length_;  // prompt positions held by each entry
  std::vector<int64_t> slot_entry_;    // the entry each slot reads (-1 = none)
};

}  // namespace r1forge
