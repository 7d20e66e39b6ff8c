// The reward model's forward and its score position rule; see model/reward_model.h.
#include "r1forge/model/reward_model.h"

#include <ATen/TensorIndexing.h>

#include <utility>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/model/layers.h"

namespace r1forge {
namespace {

// The body's architecture: the folder's, with a tied LM head so that none is allocated.
ModelConfig body_config(ModelConfig config) {
  config.tie_word_embeddings = true;
  return config;
}

// True when no row of `real` [N, T] bool has a real token after a padding one (right padding
// or none). One host sync per batch.
bool right_padded(const at::Tensor& real) {
  const int64_t length = real.size(1);
  if (length < 2) return true;
  at::Tensor starts_after_pad =
      real.narrow(1, 1, length - 1) & real.narrow(1, 0, length - 1).logical_not();
  return !starts_after_pad.any().item<bool>();
}

}  // namespace

at::Tensor last_non_pad_positions(const at::Tensor& input_ids,
                                  std::optional<int64_t> pad_token_id) {
  R1F_CHECK(input_ids.dim() == 2 && input_ids.size(1) > 0,
            "input_ids must be [N, T] with T > 0, got ", input_ids.sizes());
  const int64_t rows = input_ids.size(0), length = input_ids.size(1);
  at::TensorOptions index_options = input_ids.options().dtype(at::kLong);
  if (!pad_token_id) {
    R1F_CHECK_CONFIG(rows <= 1, "the reward model's config has no pad_token_id, so the score ",
                     "position of a batch of ", rows, " rows is undefined (transformers ",
                     "refuses batches > 1 too); set pad_token_id");
    return at::full({rows}, length - 1, index_options);
  }
  at::Tensor not_pad = input_ids.ne(*pad_token_id).to(at::kLong);     // [N, T]
  at::Tensor index = at::arange(length, index_options).unsqueeze(0);  // [1, T]
  // The values are the indices of non-pad tokens or 0, so the maximum value is the last
  // non-pad index (0 for an all-pad row), with no dependence on argmax's tie order.
  return std::get<0>((index * not_pad).max(/*dim=*/1));  // [N]
}

RewardModelImpl::RewardModelImpl(ModelConfig config, bool initialize) : config_(std::move(config)) {
  body_ = register_module("model", Transformer(body_config(config_), /*initialize=*/false));
  score_ = register_parameter("score", at::empty({1, config_.hidden_size}));
  if (initialize) init_weights(/*seed=*/0);
}

void RewardModelImpl::init_weights(uint64_t seed) {
  body_->init_weights(seed);
  init_score(seed);
}

void RewardModelImpl::init_score(uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator generator = make_cpu_generator(seed, "reward_score_init");
  at::Tensor values = at::empty(score_.sizes(), at::kFloat);
  values.normal_(0.0, config_.initializer_range, generator);
  score_.copy_(values);
}

void RewardModelImpl::refresh_handles() {
  body_->refresh_handles();
  score_ = named_parameters(/*recurse=*/false)["score"];
}

at::Tensor RewardModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) {
  const int64_t rows = input_ids.size(0);
  at::Tensor ids = input_ids.to(device());
  at::Tensor last = last_non_pad_positions(ids, config_.pad_token_id);  // [N]
  ForwardInputs inputs;
  inputs.input_ids = ids;
  if (attention_mask.defined()) {
    R1F_CHECK(attention_mask.sizes() == input_ids.sizes(), "attention_mask ",
              attention_mask.sizes(), " must have input_ids' shape ", input_ids.sizes());
    at::Tensor real = attention_mask.to(device()).ne(0);                    // [N, T] bool
    at::Tensor picked_real = real.gather(1, last.unsqueeze(1)).squeeze(1);  // [N]
    if (!picked_real.all().item<bool>()) {  // sync point, once per batch
      const int64_t row = picked_real.logical_not().nonzero()[0][0].item<int64_t>();
      R1F_THROW(DataError, "reward model batch row ", row, ": its last token that is not ",
                "pad_token_id ", config_.pad_token_id.value_or(-1), " (position ",
                last[row].item<int64_t>(), ") is padding in the attention mask; pad with ",
                "the pad_token_id the model's config names");
    }
    if (!right_padded(real)) {
      inputs.key_mask = real;
      inputs.positions = positions_from_mask(real);
    }
  }
  at::Tensor hidden = body_->hidden_states(inputs);  // [N, T, E]
  at::Tensor row_index = at::arange(rows, last.options());
  at::Tensor picked = hidden.index({row_index, last});           // [N, E]
  return at::linear(picked, score_).squeeze(-1).to(at::kFloat);  // [N]
}

}  // namespace r1forge
