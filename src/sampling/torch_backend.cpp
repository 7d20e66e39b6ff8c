// The ATen model backend; see sampling/torch_backend.h.
#include "r1forge/sampling/torch_backend.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"

namespace r1forge {

PromptCacheSharing parse_prompt_cache_sharing(const std::string& name) {
  if (name == "auto") return PromptCacheSharing::AUTO;
  if (name == "always") return PromptCacheSharing::ALWAYS;
  if (name == "never") return PromptCacheSharing::NEVER;
  R1F_THROW(ConfigError, "sampling.shared_prompt_cache: unknown value '", name,
            "' (expected auto, always or never)");
}

TorchBackend::TorchBackend(Transformer model, PromptCacheSharing sharing)
    : model_(std::move(model)), sharing_mode_(sharing) {
  model_->eval();
}

at::TensorOptions TorchBackend::cache_options() const {
  // Mixed precision keeps keys and values in bf16: half the bytes each decode step reads.
  return at::TensorOptions().dtype(model_->compute_dtype()).device(model_->device());
}

void TorchBackend::allocate(const DecodeShape& shape) {
  // Alone in the batch, a row gains nothing from the store and its cascade costs extra ops.
  const int64_t copies =
      KvCache::position_bytes(model_->config(), at::elementSize(model_->compute_dtype())) *
      shape.slots * std::max<int64_t>(shape.capacity - shape.completion_capacity, 0);
  sharing_ = shape.fan_out &&
             (sharing_mode_ == PromptCacheSharing::ALWAYS ||
              (sharing_mode_ == PromptCacheSharing::AUTO && copies >= kSharedPromptMinBytes));
  const int64_t slots = shape.slots;
  // Shared, a slot holds only the positions after its prompt (the store holds the prompt).
  const int64_t capacity =
      sharing_ ? std::min(shape.capacity, shape.completion_capacity) : shape.capacity;
  cache_ = KvCache::allocate(model_->config(), slots, capacity, cache_options());
  prefix_store_ = PrefixKeysValues{};
  entry_prompt_.clear();
  entry_length_.clear();
  slot_entry_.assign(static_cast<size_t>(slots), -1);
}

int64_t TorchBackend::cache_bytes() const {
  int64_t bytes = cache_.bytes();
  for (size_t layer = 0; layer < prefix_store_.keys.size(); ++layer) {
    bytes += prefix_store_.keys[layer].nbytes() + prefix_store_.values[layer].nbytes();
  }
  return bytes;
}

PromptState TorchBackend::prefill(const std::vector<int64_t>& tokens) {
  PromptState state;
  state.length = static_cast<int64_t>(tokens.size());
  state.id = next_prompt_id_++;
  if (tokens.empty()) return state;
  KvCache prompt_cache = KvCache::allocate(model_->config(), 1, state.length, cache_options());
  at::Tensor ids = to_device(at::tensor(tokens, at::kLong), model_->device()).unsqueeze(0);
  model_->hidden_states({ids, {}, {}, &prompt_cache});  // fills the cache; output unused
  for (size_t layer = 0; layer < prompt_cache.keys.size(); ++layer) {
    state.keys.push_back(prompt_cache.keys[layer][0]);  // [Hkv, P, D]
    state.values.push_back(prompt_cache.values[layer][0]);
  }
  return state;
}

int64_t TorchBackend::store_prompt(const PromptState& state) {
  for (size_t entry = 0; entry < entry_prompt_.size(); ++entry) {
    if (entry_prompt_[entry] == state.id) return static_cast<int64_t>(entry);
  }
  // The lowest entry no slot reads (slots that finished without a move keep their entry until
  // reloaded; at most slots - 1 other slots hold one, so some entry of `slots` is free).
  int64_t entry = 0;
  while (std::find(slot_entry_.begin(), slot_entry_.end(), entry) != slot_entry_.end()) ++entry;
  const int64_t entries = static_cast<int64_t>(entry_prompt_.size());
  const int64_t stored_length = prefix_store_.keys.empty() ? 0 : prefix_store_.keys[0].size(2);
  if (entry >= entries || state.length > stored_length) {
    // Grow: entries double (up to one per slot), length to the longest prompt so far. Rare:
    // a rollout settles after its first prompts, so decode steps never wait on it.
    const int64_t slots = static_cast<int64_t>(slot_entry_.size());
    const int64_t new_entries =
        entry >= entries ? std::min(slots, std::max<int64_t>(entry + 1, 2 * entries)) : entries;
    const int64_t new_length = std::max<int64_t>({stored_length, state.length, 1});
    KvCache grown = KvCache::allocate(model_->config(), new_entries, new_length, cache_options());
    for (size_t layer = 0; layer < grown.keys.size(); ++layer) {
      if (entries > 0) {
        grown.keys[layer]
            .narrow(0, 0, entries)
            .narrow(2, 0, stored_length)
            .copy_(prefix_store_.keys[layer]);
        grown.values[layer]
            .narrow(0, 0, entries)
            .narrow(2, 0, stored_length)
            .copy_(prefix_store_.values[layer]);
      }
    }
    prefix_store_.keys = std::move(grown.keys);
    prefix_store_.values = std::move(grown.values);
    entry_prompt_.resize(static_cast<size_t>(new_entries), -1);
    entry_length_.resize(static_cast<size_t>(new_entries), 0);
  }
  for (size_t layer = 0; layer < prefix_store_.keys.size() && state.length > 0; ++layer) {
    prefix_store_.keys[layer][entry].narrow(1, 0, state.length).copy_(state.keys[layer]);
    prefix_store_.values[layer][entry].narrow(1, 0, state.length).copy_(state.values[layer]);
  }
  entry_prompt_[static_cast<size_t>(entry)] = state.id;
  entry_length_[static_cast<size_t>(entry)] = state.length;
  return entry;
}

void TorchBackend::load_prompt(int64_t slot, const PromptState& state) {
  if (sharing_) {
    R1F_CHECK(state.id >= 0, "a shared prompt cache takes prompts prefilled by this backend");
    slot_entry_.at(static_cast<size_t>(slot)) = -1;  // released before a free entry is sought
    slot_entry_[static_cast<size_t>(slot)] = store_prompt(state);
    return;
  }
  R1F_CHECK(state.length <= cache_.capacity(), "prompt longer than the slot capacity");
  if (state.length == 0) return;
  for (size_t layer = 0; layer < cache_.keys.size(); ++layer) {
    cache_.keys[layer][slot].narrow(1, 0, state.length).copy_(state.keys[layer]);
    cache_.values[layer][slot].narrow(1, 0, state.length).copy_(state.values[layer]);
  }
}

void TorchBackend::move_slot(int64_t from, int64_t to, int64_t length) {
  if (from == to) return;
  if (sharing_) {
    // The slot's own positions follow its prompt's: `length` counts both.
    const int64_t entry = slot_entry_.at(static_cast<size_t>(from));
    R1F_CHECK(entry >= 0, "move_slot: slot ", from, " holds no prompt");
    length -= entry_length_[static_cast<size_t>(entry)];
    slot_entry_.at(static_cast<size_t>(to)) = entry;
    slot_entry_[static_cast<size_t>(from)] = -1;
  }
  if (length <= 0) return;
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
  at::Tensor device_positions = to_device(positions, device);
  KvCache view = cache_.rows(0, rows);
  ForwardInputs inputs{to_device(tokens, device).unsqueeze(1),
                       device_positions.unsqueeze(1),
                       {},
                       &view,
                       device_positions};
  // Where each row's new key/value goes in its slot: its position, or with a shared prompt
  // its position past the prompt (the store holds the prompt).
  at::Tensor cache_index = positions;  // [A] int64 CPU
  PrefixKeysValues prefixes;
  if (sharing_) {
    std::vector<int64_t> owner(static_cast<size_t>(rows)), offset(static_cast<size_t>(rows));
    int64_t entries = 0, prompt_span = 1;
    for (int64_t n = 0; n < rows; ++n) {
      const int64_t entry = slot_entry_.at(static_cast<size_t>(n));
      R1F_CHECK(entry >= 0, "decode: slot ", n, " holds no prompt");
      owner[static_cast<size_t>(n)] = entry;
      offset[static_cast<size_t>(n)] = entry_length_[static_cast<size_t>(entry)];
      entries = std::max(entries, entry + 1);
      prompt_span = std::max(prompt_span, entry_length_[static_cast<size_t>(entry)]);
    }
    cache_index = positions - at::tensor(offset, at::kLong);
    inputs.write_positions = to_device(cache_index, device);
    for (size_t layer = 0; layer < prefix_store_.keys.size(); ++layer) {
      prefixes.keys.push_back(
          prefix_store_.keys[layer].narrow(0, 0, entries).narrow(2, 0, prompt_span));
      prefixes.values.push_back(
          prefix_store_.values[layer].narrow(0, 0, entries).narrow(2, 0, prompt_span));
    }
    at::Tensor lengths = at::tensor(
        std::vector<int64_t>(entry_length_.begin(), entry_length_.begin() + entries), at::kLong);
    inputs.prefix = &prefixes;
    // On the host: the transformer groups the rows by prompt there (no device read back).
    inputs.prefix_owner = at::tensor(owner, at::kLong);
    inputs.prefix_key_mask =
        to_device(at::arange(prompt_span, at::kLong).unsqueeze(0) < lengths.unsqueeze(1), device);
  }
  // Attend over [0, longest + 1) of the slots; row n sees its cache indices [0, cache_index[n]].
  const int64_t span = cache_index.max().item<int64_t>() + 1;  // host value, cheap on CPU
  inputs.key_mask =
      to_device(at::arange(span, at::kLong).unsqueeze(0) <= cache_index.unsqueeze(1), device);
  at::Tensor hidden = model_->hidden_states(inputs);  // [A, 1, E]
  // fp32 logits on the model's device: the token choice runs there (no sync here).
  return model_->logits(hidden.squeeze(1)).to(at::kFloat);
}

}  // namespace r1forge
