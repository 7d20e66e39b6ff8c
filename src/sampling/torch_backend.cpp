// The ATen model backend; see sampling/torch_backend.h.
#include "r1forge/sampling/torch_backend.h"

#include "r1forge/core/check.h"

namespace r1forge {

TorchBackend::TorchBackend(Transformer model) : model_(std::move(model)) {
  model_->eval();
}

void TorchBackend::allocate(int64_t slots, int64_t capacity) {
  // Mixed precision keeps keys and values in bf16: half the bytes each decode step reads.
  auto options = at::TensorOptions().dtype(model_->compute_dtype()).device(model_->device());
  cache_ = KvCache::allocate(model_->config(), slots, capacity, options);
}

PromptState TorchBackend::prefill(const std::vector<int64_t>& tokens) {
  PromptState state;
  state.length = static_cast<int64_t>(tokens.size());
  if (tokens.empty()) return state;
  auto options = at::TensorOptions().dtype(model_->compute_dtype()).device(model_->device());
  KvCache prompt_cache = KvCache::allocate(model_->config(), 1, state.length, options);
  at::Tensor ids = at::tensor(tokens, at::kLong).to(model_->device()).unsqueeze(0);
  model_->hidden_states({ids, {}, {}, &prompt_cache});  // fills the cache; output unused
  for (size_t layer = 0; layer < prompt_cache.keys.size(); ++layer) {
    state.keys.push_back(prompt_cache.keys[layer][0]);  // [Hkv, P, D]
    state.values.push_back(prompt_cache.values[layer][0]);
  }
  return state;
}

void TorchBackend::load_prompt(int64_t slot, const PromptState& state) {
  R1F_CHECK(state.length <= cache_.capacity(), "prompt longer than the slot capacity");
  if (state.length == 0) return;
  for (size_t layer = 0; layer < cache_.keys.size(); ++layer) {
    cache_.keys[layer][slot].narrow(1, 0, state.length).copy_(state.keys[layer]);
    cache_.values[layer][slot].narrow(1, 0, state.length).copy_(state.values[layer]);
  }
}

void TorchBackend::move_slot(int64_t from, int64_t to, int64_t length) {
  if (from == to || length == 0) return;
  for (size_t layer = 0; layer < cache_.keys.size(); ++layer) {
    cache_.keys[layer][to]
        .narrow(1, 0, length)
        .copy_(cache_.keys[layer][from].narrow(1, 0, length));
    cache_.values[layer][to]
        .narrow(1, 0, length)
        .copy_(cache_.values[layer][from].narrow(1, 0, length));
  }
}

at::Tensor TorchBackend::decode(const at::Tensor& tokens, const at::Tensor& positions) {
  const int64_t rows = tokens.size(0);
  const at::Device device = model_->device();
  // Attend over [0, longest + 1); row n sees its positions [0, positions[n]].
  const int64_t span = positions.max().item<int64_t>() + 1;  // host value, cheap on CPU
  at::Tensor key_mask = at::arange(span, at::kLong).unsqueeze(0) <= positions.unsqueeze(1);
  KvCache view = cache_.rows(0, rows);
  at::Tensor device_positions = positions.to(device);
  ForwardInputs inputs{tokens.to(device).unsqueeze(1), device_positions.unsqueeze(1),
                       key_mask.to(device), &view, device_positions};
  at::Tensor hidden = model_->hidden_states(inputs);  // [A, 1, E]
  // fp32 logits on CPU: the sampler's input. Sync point on GPU.
  return model_->logits(hidden.squeeze(1)).to(at::kCPU, at::kFloat);
}

}  // namespace r1forge
