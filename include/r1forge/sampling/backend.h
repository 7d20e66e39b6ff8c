// What the generation engine needs from a model: prefill a prompt once, place its KV state
// into a batch slot, and decode one token for every active slot. Backends: `torch` (ATen ops
// on CPU or GPU with a KV cache, torch_backend.h), `recompute` (no cache: the whole sequence
// every step; the benchmark baseline and a test oracle, recompute_backend.h); `cuda` kernels
// arrive in [order 11]; tests also use a mock.
//
// Slot protocol: the engine keeps its active rows in slots [0, A). Every decode step feeds one
// token per active slot at that slot's own position (continuous batching: slots hold sequences
// of different lengths), and a finished slot is refilled from the prompt store or, when nothing
// is pending, the last active slot is moved into it so the active rows stay a dense prefix.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace r1forge {

// A prompt's state after prefill: its key/value cache for `length` positions. Opaque to the
// engine; shared by the G samples of one prompt until the last of them has been placed.
struct PromptState {
  int64_t length = 0;
  std::vector<int64_t> tokens;     // the prefilled tokens (the recompute backend's state)
  std::vector<at::Tensor> keys;    // per layer [Hkv, length, D] (backend-specific)
  std::vector<at::Tensor> values;  // per layer [Hkv, length, D]
};

class ModelBackend {
 public:
  virtual ~ModelBackend() = default;
  virtual std::string name() const = 0;
  virtual int64_t vocab_size() const = 0;
  // Storage for `slots` rows of up to `capacity` positions each (replaces earlier storage).
  virtual void allocate(int64_t slots, int64_t capacity) = 0;
  // Runs `tokens` (may be empty) through the model once; no slot is touched.
  virtual PromptState prefill(const std::vector<int64_t>& tokens) = 0;
  // Copies a prefilled prompt into positions [0, state.length) of `slot`.
  virtual void load_prompt(int64_t slot, const PromptState& state) = 0;
  // Moves the first `length` positions of slot `from` into slot `to`.
  virtual void move_slot(int64_t from, int64_t to, int64_t length) = 0;
  // One step for slots [0, A): tokens [A] int64 fed at positions [A] (each slot's current
  // length). Returns next-token logits [A, V] fp32 on CPU. Sync point on GPU backends.
  virtual at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) = 0;
  // Bytes of KV storage held (for logs and the token budget).
  virtual int64_t cache_bytes() const = 0;
  // Where the model runs and its mixed-precision dtype (empty = none): the engine keeps one
  // autocast scope open over a whole generate call, so each weight is cast once per call.
  virtual at::DeviceType device_type() const { return at::kCPU; }
  virtual std::optional<at::ScalarType> mixed_precision() const { return std::nullopt; }
};

}  // namespace r1forge
