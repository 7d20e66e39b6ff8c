// The no-cache model backend; see sampling/recompute_backend.h.
#include "r1forge/sampling/recompute_backend.h"

#include "r1forge/core/check.h"

namespace r1forge {

RecomputeBackend::RecomputeBackend(Transformer model) : model_(std::move(model)) {
  model_->eval();
}

void RecomputeBackend::allocate(const DecodeShape& shape) {
  sequences_.assign(shape.slots, {});
  for (auto& sequence : sequences_) sequence.reserve(shape.capacity);
}

PromptState RecomputeBackend::prefill(const std::vector<int64_t>& tokens) {
  PromptState state;  // nothing to compute ahead: every step recomputes from the start
  state.length = static_cast<int64_t>(tokens.size());
  state.tokens = tokens;
  return state;
}

void RecomputeBackend::load_prompt(int64_t slot, const PromptState& state) {
  sequences_.at(slot) = state.tokens;
}

void RecomputeBackend::move_slot(int64_t from, int64_t to, int64_t length) {
  sequences_.at(to).assign(sequences_.at(from).begin(), sequences_.at(from).begin() + length);
}

at::Tensor RecomputeBackend::decode(const at::Tensor& tokens, const at::Tensor& positions) {
  const int64_t rows = tokens.size(0);
  int64_t longest = 0;
  for (int64_t r = 0; r < rows; ++r) {
    auto& sequence = sequences_[r];
    R1F_CHECK(static_cast<int64_t>(sequence.size()) == positions[r].item<int64_t>(),
              "recompute backend: slot ", r, " position mismatch");
    sequence.push_back(tokens[r].item<int64_t>());
    longest = std::max<int64_t>(longest, static_cast<int64_t>(sequence.size()));
  }
  // Right-padded [A, longest]: causal attention keeps real tokens from seeing the padding.
  at::Tensor ids = at::zeros({rows, longest}, at::kLong);
  std::vector<int64_t> last(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const auto& sequence = sequences_[r];
    ids[r]
        .narrow(0, 0, static_cast<int64_t>(sequence.size()))
        .copy_(at::tensor(sequence, at::kLong));
    last[r] = r * longest + static_cast<int64_t>(sequence.size()) - 1;
  }
  at::Tensor hidden = model_->hidden_states({ids.to(model_->device())});  // [A, T, E]
  at::Tensor index = at::tensor(last, at::kLong).to(model_->device());
  at::Tensor final_hidden = hidden.reshape({-1, hidden.size(2)}).index_select(0, index);
  return model_->logits(final_hidden).to(at::kFloat);  // [A, V] on the model's device
}

}  // namespace r1forge
