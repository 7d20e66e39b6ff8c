// A reward model: the decoder of transformer.h with a scalar `score` head (Linear(E, 1), no
// bias) read at each row's last non-pad token, exactly as transformers'
// Qwen2/Qwen3/LlamaForSequenceClassification (num_labels = 1) computes its logits.
//
// The body is built with tie_word_embeddings = true whatever the folder says, so it owns no
// [V, E] LM head (a reward model never computes token logits; never call body()->logits()).
// config() keeps the folder's own flags, which is what save writes back.
// Shapes: N rows, T positions, E width.
// Not here: folder I/O (reward_model_io.h), the pairwise loss (rl/bradley_terry.h).
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <optional>

#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"

namespace r1forge {

class RewardModelImpl : public torch::nn::Module {
 public:
  // `config`: the architecture as config.json says it (pad_token_id included). `initialize` =
  // false leaves the weights unset (for loaders that overwrite them all); true runs
  // init_weights(0).
  explicit RewardModelImpl(ModelConfig config, bool initialize = true);

  // Scores [N] fp32 (differentiable) of input_ids [N, T] int64.
  // attention_mask [N, T] (nonzero = real token) or undefined (= every token attends to
  // every earlier one, as transformers does without a mask). Right and left padding both
  // work: a right-padded (or unpadded) mask needs no masking at all (causality keeps real
  // tokens from seeing later padding) and takes the fast causal path; any other mask is
  // applied to the keys, with positions counted from each row's first real token (RoPE sees
  // only position differences, so this equals transformers' 0..T-1 positions).
  // The score is read at last_non_pad_positions(input_ids, config().pad_token_id); with a
  // mask, that token must be real (DataError naming the row otherwise: pad with the
  // pad_token_id the config names, or the score would be read at a padding position).
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask = {});

  const ModelConfig& config() const { return config_; }
  Transformer& body() { return body_; }
  at::Tensor& score() { return score_; }  // [1, E]: transformers' score.weight

  // The body's HF init (Transformer::init_weights) and init_score, both from `seed`.
  void init_weights(uint64_t seed);
  // score ~ normal(0, initializer_range) drawn on CPU in fp32 from the generator of
  // (seed, "reward_score_init") (core/rng.h): the distribution transformers'
  // _init_weights gives a new nn.Linear; the same seed gives the same head on any device.
  void init_score(uint64_t seed);
  // Sets the pad id the score position is found with (a causal LM's config often has none).
  void set_pad_token_id(std::optional<int64_t> pad_token_id) {
    config_.pad_token_id = pad_token_id;
  }

  at::ScalarType dtype() const { return score_.scalar_type(); }
  at::Device device() const { return score_.device(); }
  // Re-reads the body's and the head's handles after to(device/dtype) replaced them.
  void refresh_handles();

 private:
  ModelConfig config_;
  Transformer body_{nullptr};
  at::Tensor score_;
};
TORCH_MODULE(RewardModel);

// [N] int64: where each row's score is read, by transformers' rule
// (GenericForSequenceClassification): the largest index t with input_ids[n, t] != pad, i.e.
// max over t of t · [input_ids[n, t] != pad]. Edge cases, all as transformers:
//   - a row with no pad token: T - 1;
//   - a real token equal to pad (pad = eos, and the row ends in eos) counts as padding, so
//     the score is read before it;
//   - a row of nothing but pad tokens: 0;
//   - pad_token_id unset: T - 1 for a single row; more rows: ConfigError (transformers
//     raises "Cannot handle batch sizes > 1 if no padding token is defined").
at::Tensor last_non_pad_positions(const at::Tensor& input_ids, std::optional<int64_t> pad_token_id);

}  // namespace r1forge
