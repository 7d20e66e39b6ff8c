// What the generation engine needs from a model: prefill a prompt once, place its KV state
// into a batch slot, and decode one token for every active slot. Backends: `torch` (ATen ops
// on CPU or GPU with a KV cache, torch_backend.h), `recompute` (no cache: the whole sequence
// every step; the benchmark baseline and a test oracle, recompute_backend.h); tests also use a
// mock.
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
  int64_t id = -1;                 // unique per prefill, for backends that share a prompt's cache
  std::vector<int64_t> tokens;     // the prefilled tokens (the recompute backend's state)
  std::vector<at::Tensor> keys;    // per layer [Hkv, length, D] (backend-specific)
  std::vector<at::Tensor> values;  // per layer [Hkv, length, D]
};

// What the engine is about to decode, to size a backend's storage.
struct DecodeShape {
  int64_t slots = 1;     // rows decoded together
  int64_t capacity = 1;  // positions of the longest row: prompt + max_new_tokens
  // Positions a row adds after its prompt's prefilled ones: the longest max_new_tokens + 1
  // (the last prompt token is fed by the first decode step).
  int64_t completion_capacity = 1;
  // Some prompt's samples decode side by side (slots >= 2 and a request with n >= 2), so a
  // backend may keep one copy of a prompt's state for all of them.
  bool fan_out = false;
};

class ModelBackend {
 public:
  virtual ~ModelBackend() = default;
  virtual std::string name() const = 0;
  virtual int64_t vocab_size() const = 0;
  // Storage for shape.slots rows of up to shape.capacity positions (replaces earlier storage).
  virtual void allocate(const DecodeShape& shape) = 0;
  // Runs `tokens` (may be empty) through the model once; no slot is touched.
  virtual PromptState prefill(const std::vector<int64_t>& tokens) = 0;
  // Copies a prefilled prompt into positions [0, state.length) of `slot`.
  virtual void load_prompt(int64_t slot, const PromptState& state) = 0;
  // Moves the first `length` positions of slot `from` into slot `to`.
  virtual void move_slot(int64_t from, int64_t to, int64_t length) = 0;
  // One step for slots [0, A): tokens [A] int64 fed at positions [A] (each slot's current
  // length). Returns next-token logits [A, V] fp32 on the model's device: the engine chooses
  // tokens there and copies back only the choice (sampling/token_choice.h).
  virtual at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) = 0;
  // Bytes of KV storage held (for logs and the token budget).
  virtual int64_t cache_bytes() const = 0;
  // Where the model runs and its mixed-precision dtype (empty = none): the engine keeps one
  // autocast scope open over a whole generate call, so each weight is cast once per call.
  virtual at::DeviceType device_type() const { return at::kCPU; }
  virtual std::optional<at::ScalarType> mixed_precision() const { return std::nullopt; }
};

}  // namespace r1forge
