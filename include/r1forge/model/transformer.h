// The Llama/Qwen2/Qwen3-family decoder-only transformer as a LibTorch module.
//
// Weights are stored fused for fewer, larger matmuls: q/k/v as one [(H + 2 Hkv) D, E] matrix
// and gate/up as one [2I, E] matrix; hf_io.h splits and joins them under the HF names.
// Qwen3's q/k norms (RMSNorm over each head's D values) run on q and k before RoPE.
// Padding: training and scoring right-pad, where causality alone keeps real tokens from seeing
// padding, so no mask is needed (the fast is_causal attention path). The engine decodes every
// row at its own position (ForwardInputs::write_positions) under a key mask of the row's
// filled cache positions; packed SFT rows pass segment ids (a block-diagonal causal mask).
// Shapes: N rows, T new positions, S = cached + T key positions, E width, V vocab.
// Not here: loading/saving (hf_io.h), log-probs (rl/logprobs.h), generation (sampling/).
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "r1forge/model/kv_cache.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/paged_kv_cache.h"

namespace r1forge {

// One decoder layer's parameters (handles to the module's registered tensors).
struct DecoderLayerWeights {
  at::Tensor input_norm;      // [E]
  at::Tensor qkv_weight;      // [(H + 2 Hkv) D, E]: q rows, then k rows, then v rows
  at::Tensor qkv_bias;        // [(H + 2 Hkv) D] or undefined
  at::Tensor output_weight;   // [E, H D]
  at::Tensor output_bias;     // [E] or undefined
  at::Tensor post_norm;       // [E]
  at::Tensor gate_up_weight;  // [2 I, E]: gate rows, then up rows
  at::Tensor down_weight;     // [E, I]
  at::Tensor q_norm;          // [D] or undefined (Qwen3 per-head RMSNorm on q)
  at::Tensor k_norm;          // [D] or undefined (Qwen3 per-head RMSNorm on k)
};

// Every layer's keys and values (after RoPE, with autograd) of a batch of P shared prefixes:
// GRPO's G completions of one prompt attend to their prompt's keys and values, computed once
// (rl/shared_prompt_logprobs.h). Filled by a forward with ForwardInputs::capture set.
struct PrefixKeysValues {
  std::vector<at::Tensor> keys;    // per layer [P, Hkv, Tp, D]
  std::vector<at::Tensor> values;  // per layer [P, Hkv, Tp, D]
};

struct PrefixRowGroups;  // model/shared_prefix_attention.h

// One layer's view of a shared prefix: row n prepends prefix owner[n]'s keys and values.
// Decoding (a cache and write_positions) reads the prefix once per prefix instead:
// `blocked_keys` masks each prefix's positions past its end and `groups` lays the rows out by
// prefix.
struct LayerPrefix {
  at::Tensor keys;                          // [P, Hkv, Tp, D] or undefined (no prefix)
  at::Tensor values;                        // [P, Hkv, Tp, D]
  at::Tensor owner;                         // [N] int64
  at::Tensor blocked_keys;                  // [P, 1, 1, Tp] bool, decoding only
  const PrefixRowGroups* groups = nullptr;  // decoding only
};

struct ForwardInputs {
  at::Tensor input_ids = {};  // [N, T] int64
  at::Tensor positions = {};  // [N, T] int64; undefined = cache length + 0..T-1 for each row
  at::Tensor key_mask = {};   // [N, S] bool (true = real token); undefined = no padding
  KvCache* cache = nullptr;   // when set, new keys/values are appended and length advances
  // Per-row decoding (continuous batching): [N] int64, row n's single new token (T = 1) is
  // written at cache position write_positions[n], and attention covers cache positions
  // [0, S) with S = key_mask.size(1). cache->length is left alone; the caller tracks rows.
  at::Tensor write_positions = {};
  // Packed training rows ([N, T] int64, no cache): token i attends to token j only when j <= i
  // and both carry the same segment id, so packed samples never see each other (a
  // block-diagonal causal mask; pass positions restarting at 0 in each segment too).
  at::Tensor segment_ids = {};
  // Prefix pass: every layer's keys and values of these positions are stored here.
  PrefixKeysValues* capture = nullptr;
  // Continuation of shared prefixes: row n's tokens follow prefix prefix_owner[n] and attend
  // to its real positions (prefix_key_mask) and causally to their own. Pass positions (prefix
  // length + 0..T-1 per row). Without a cache: any T. With per-row decoding: the cache holds
  // only each row's own positions (write_positions and key_mask count from the prefix's end),
  // and rows of one prefix read it once (model/shared_prefix_attention.h).
  const PrefixKeysValues* prefix = nullptr;
  at::Tensor prefix_owner = {};     // [N] int64 index into the P prefixes
  at::Tensor prefix_key_mask = {};  // [P, Tp] bool: true on the prefix's real tokens
  // Decoding over a paged KV cache (T = 1, positions given, no other cache): each row's new
  // key/value goes into its block and it attends through its block table (paged_kv_cache.h).
  const PagedDecodeStep* paged = nullptr;
};

class TransformerImpl : public torch::nn::Module {
 public:
  // `initialize` = false leaves the weights unset (for loaders that overwrite them all).
  explicit TransformerImpl(ModelConfig config, bool initialize = true);

  // Final-normed hidden states [N, T, E].
  at::Tensor hidden_states(const ForwardInputs& inputs);
  // hidden [..., E] -> logits [..., V] (fp32 accumulate as the matmul's dtype gives).
  at::Tensor logits(const at::Tensor& hidden) const;
  // logits [N, T, V]. For long sequences prefer hidden_states + rl/logprobs.h (chunked).
  at::Tensor forward(const ForwardInputs& inputs) { return logits(hidden_states(inputs)); }

  const ModelConfig& config() const { return config_; }
  at::Tensor& embedding() { return embedding_; }                         // [V, E]
  const at::Tensor& output_embedding() const { return tied_or_head(); }  // [V, E]
  at::Tensor& lm_head() { return lm_head_; }        // [V, E], undefined when tied
  at::Tensor& final_norm() { return final_norm_; }  // [E]
  DecoderLayerWeights& layer(int64_t index) { return layers_.at(index); }

  // HF initialisation: normal(0, initializer_range) for matrices and the embedding, zeros for
  // biases, ones for norms (q/k norms included); deterministic for a given seed.
  void init_weights(uint64_t seed);
  // Recompute each layer's activations in backward instead of storing them.
  void set_gradient_checkpointing(bool enabled) { gradient_checkpointing_ = enabled; }
  bool gradient_checkpointing() const { return gradient_checkpointing_; }
  // Mixed precision: hidden_states runs under autocast to this dtype (bf16: matmuls and
  // attention in bf16 from fp32 weights; norms, residual stream and the LM head stay fp32).
  // Empty = the weights' dtype throughout. Only for fp32 weights (model/autocast_scope.h).
  void set_mixed_precision(std::optional<at::ScalarType> dtype);
  std::optional<at::ScalarType> mixed_precision() const { return mixed_precision_; }
  // The dtype activations and the KV cache are computed in: the mixed-precision dtype or the
  // weights'.
  at::ScalarType compute_dtype() const { return mixed_precision_.value_or(dtype()); }
  at::ScalarType dtype() const { return embedding_.scalar_type(); }
  at::Device device() const { return embedding_.device(); }
  // Re-reads the layer handles after to(device/dtype) replaced the registered tensors.
  void refresh_handles();

 private:
  const at::Tensor& tied_or_head() const {
    return config_.tie_word_embeddings ? embedding_ : lm_head_;
  }

  ModelConfig config_;
  at::Tensor embedding_;
  at::Tensor final_norm_;
  at::Tensor lm_head_;
  at::Tensor inverse_frequencies_;  // buffer [D/2] fp32
  std::vector<DecoderLayerWeights> layers_;
  bool gradient_checkpointing_ = false;
  std::optional<at::ScalarType> mixed_precision_;
};
TORCH_MODULE(Transformer);

// One decoder layer: x [N, T, E] -> [N, T, E]. `attention_mask` [N, 1, T, S] bool or
// undefined (then plain causal attention over the new positions plus any cache);
// `write_positions` [N] selects per-row decoding (see ForwardInputs). `prefix`: keys and values
// prepended per row (then `attention_mask` is [N, 1, T, Tp + T]); `captured`: receives this
// call's own keys and values [N, Hkv, T, D] (after RoPE); `paged`: a paged decode step (see
// ForwardInputs::paged; then no cache, mask or prefix).
at::Tensor decoder_layer_forward(const ModelConfig& config,
                                 const DecoderLayerWeights& weights,
                                 const at::Tensor& x,
                                 const struct RotaryTables& rotary,
                                 const at::Tensor& attention_mask,
                                 KvCache* cache,
                                 int64_t layer_index,
                                 const at::Tensor& write_positions = {},
                                 const LayerPrefix& prefix = {},
                                 LayerPrefix* captured = nullptr,
                                 const PagedDecodeStep* paged = nullptr);

// Parameter count N (every weight once; a tied embedding counts once).
int64_t parameter_count(const ModelConfig& config);
// Training FLOPs per token at sequence length `sequence_length`, PaLM/torchtitan convention:
// 6 N + 12 L H D T, N = parameters that take part in a matmul (the input embedding is a
// lookup, so it counts only when tied to the LM head): forward 2N + backward 4N, plus QK^T
// and AV (no causal discount, recomputation never counted). llm.c halves the attention term.
double training_flops_per_token(const ModelConfig& config, int64_t sequence_length);
// Forward FLOPs per token: a third of the training figure (2 N + 4 L H D T; backward is twice
// the forward), for generation and log-prob passes.
double forward_flops_per_token(const ModelConfig& config, int64_t sequence_length);

}  // namespace r1forge
