// Mixed precision through autocast: inside a scope, matmuls, linear layers and attention run
// in the lower precision (bf16) while weights, the residual stream, norms, the optimizer and
// the log-prob softmax stay fp32 (LibTorch's autocast op lists decide per op). The scope nests:
// only the outermost clears autocast's cache of bf16 weight copies, so an engine that keeps a
// scope open across its decode steps casts each weight once, not once per step.
// Backward runs outside any scope (as PyTorch recommends) and follows the dtypes the forward
// saved; activation checkpointing reopens the forward's scope for its recompute.
// Not here: which module opens a scope (model/transformer.h: hidden_states, when the model's
// mixed precision is set; sampling/backends.h: the whole generate call).
#pragma once

#include <ATen/autocast_mode.h>

#include <optional>

namespace r1forge {

class AutocastScope {
 public:
  // `dtype` empty = no autocast (the scope does nothing).
  AutocastScope(at::DeviceType device, std::optional<at::ScalarType> dtype) : device_(device) {
    if (!dtype) return;
    active_ = true;
    was_enabled_ = at::autocast::is_autocast_enabled(device);
    previous_dtype_ = at::autocast::get_autocast_dtype(device);
    at::autocast::set_autocast_enabled(device, true);
    at::autocast::set_autocast_dtype(device, *dtype);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!active_) return;
    // The outermost scope drops the cached bf16 copies of the weights (they would go stale
    // after the next optimizer step).
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, previous_dtype_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  // The autocast dtype in force on `device` now, or empty when autocast is off there.
  static std::optional<at::ScalarType> current(at::DeviceType device) {
    if (!at::autocast::is_autocast_enabled(device)) return std::nullopt;
    return at::autocast::get_autocast_dtype(device);
  }

 private:
  at::DeviceType device_;
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

// Autocast off on `device` for a block inside a scope: the LM head stays fp32 wherever it is
// called from, so the sampler's log-probs and the trainer's (rl/logprobs.h, which runs its
// chunk GEMMs outside any scope) come from the same fp32 logits.
class AutocastOff {
 public:
  explicit AutocastOff(at::DeviceType device)
      : device_(device), was_enabled_(at::autocast::is_autocast_enabled(device)) {
    if (was_enabled_) at::autocast::set_autocast_enabled(device, false);
  }
  ~AutocastOff() {
    if (was_enabled_) at::autocast::set_autocast_enabled(device_, true);
  }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
  at::DeviceType device_;
  bool was_enabled_;
};

}  // namespace r1forge
