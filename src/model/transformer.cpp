// The decoder-only transformer; see model/transformer.h.
#include "r1forge/model/transformer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/autograd.h>
#include <torch/nn/modules/container/modulelist.h>

#include <cmath>
#include <limits>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/model/activation_checkpoint.h"
#include "r1forge/model/autocast_scope.h"
#include "r1forge/model/layers.h"
#include "r1forge/model/shared_prefix_attention.h"

namespace r1forge {

TransformerImpl::TransformerImpl(ModelConfig config, bool initialize) : config_(std::move(config)) {
  config_.validate("model config");
  const auto& c = config_;
  const int64_t qkv_rows = (c.num_attention_heads + 2 * c.num_key_value_heads) * c.head_dim;
  embedding_ = register_parameter("embedding", at::empty({c.vocab_size, c.hidden_size}));
  // One plain submodule per layer inside a ModuleList, so parameter names read
  // "layers.3.qkv_weight" (LibTorch forbids dots in a single module's parameter names).
  auto layer_list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    auto layer = std::make_shared<torch::nn::Module>("DecoderLayer");
    DecoderLayerWeights w;
    w.input_norm = layer->register_parameter("input_norm", at::ones({c.hidden_size}));
    w.qkv_weight = layer->register_parameter("qkv_weight", at::empty({qkv_rows, c.hidden_size}));
    if (c.qkv_bias) w.qkv_bias = layer->register_parameter("qkv_bias", at::zeros({qkv_rows}));
    w.output_weight = layer->register_parameter(
        "output_weight", at::empty({c.hidden_size, c.num_attention_heads * c.head_dim}));
    if (c.output_bias) {
      w.output_bias = layer->register_parameter("output_bias", at::zeros({c.hidden_size}));
    }
    w.post_norm = layer->register_parameter("post_norm", at::ones({c.hidden_size}));
    w.gate_up_weight = layer->register_parameter(
        "gate_up_weight", at::empty({2 * c.intermediate_size, c.hidden_size}));
    w.down_weight =
        layer->register_parameter("down_weight", at::empty({c.hidden_size, c.intermediate_size}));
    if (c.qk_norm) {
      w.q_norm = layer->register_parameter("q_norm", at::ones({c.head_dim}));
      w.k_norm = layer->register_parameter("k_norm", at::ones({c.head_dim}));
    }
    layer_list->push_back(layer);
    layers_.push_back(w);
  }
  final_norm_ = register_parameter("final_norm", at::ones({c.hidden_size}));
  if (!c.tie_word_embeddings) {
    lm_head_ = register_parameter("lm_head", at::empty({c.vocab_size, c.hidden_size}));
  }
  inverse_frequencies_ = register_buffer("inverse_frequencies", rope_inverse_frequencies(config_));
  if (initialize) init_weights(/*seed=*/0);
}

void TransformerImpl::refresh_handles() {
  auto parameters = named_parameters(/*recurse=*/true);
  embedding_ = parameters["embedding"];
  final_norm_ = parameters["final_norm"];
  if (!config_.tie_word_embeddings) lm_head_ = parameters["lm_head"];
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string prefix = "layers." + std::to_string(i) + ".";
    DecoderLayerWeights& w = layers_[i];
    w.input_norm = parameters[prefix + "input_norm"];
    w.qkv_weight = parameters[prefix + "qkv_weight"];
    if (config_.qkv_bias) w.qkv_bias = parameters[prefix + "qkv_bias"];
    w.output_weight = parameters[prefix + "output_weight"];
    if (config_.output_bias) w.output_bias = parameters[prefix + "output_bias"];
    w.post_norm = parameters[prefix + "post_norm"];
    w.gate_up_weight = parameters[prefix + "gate_up_weight"];
    w.down_weight = parameters[prefix + "down_weight"];
    if (config_.qk_norm) {
      w.q_norm = parameters[prefix + "q_norm"];
      w.k_norm = parameters[prefix + "k_norm"];
    }
  }
  inverse_frequencies_ = named_buffers(/*recurse=*/false)["inverse_frequencies"];
}

void TransformerImpl::init_weights(uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator generator = make_cpu_generator(seed, "init");
  const double std = config_.initializer_range;
  // Draw on CPU in fp32 in a fixed order, then copy: the same seed gives the same weights on
  // any device and dtype.
  auto fill_normal = [&](at::Tensor& tensor) {
    at::Tensor values = at::empty(tensor.sizes(), at::kFloat);
    values.normal_(0.0, std, generator);
    tensor.copy_(values);
  };
  fill_normal(embedding_);
  for (auto& w : layers_) {
    w.input_norm.fill_(1.0);
    fill_normal(w.qkv_weight);
    if (w.qkv_bias.defined()) w.qkv_bias.zero_();
    fill_normal(w.output_weight);
    if (w.output_bias.defined()) w.output_bias.zero_();
    w.post_norm.fill_(1.0);
    fill_normal(w.gate_up_weight);
    fill_normal(w.down_weight);
    if (w.q_norm.defined()) w.q_norm.fill_(1.0);
    if (w.k_norm.defined()) w.k_norm.fill_(1.0);
  }
  final_norm_.fill_(1.0);
  if (lm_head_.defined()) fill_normal(lm_head_);
}

namespace {

// Decoding attention for one new query per row, as three batched ops: the query heads of a
// KV group share their keys, so q [N, H, 1, D] is viewed [N, Hkv, G, D] and multiplies the
// cache [N, Hkv, S, D] directly (no repeat). Measured faster on CPU than SDPA's flash kernel,
// whose blocking is tuned for long query blocks. mask [N, 1, 1, S] bool or undefined.
at::Tensor single_query_attention(const at::Tensor& q,
                                  const at::Tensor& k,
                                  const at::Tensor& v,
                                  const at::Tensor& mask) {
  const int64_t rows = q.size(0), heads = q.size(1), dim = q.size(3);
  const int64_t kv_heads = k.size(1), groups = heads / kv_heads;
  at::Tensor grouped = q.reshape({rows, kv_heads, groups, dim});
  at::Tensor scores = at::matmul(grouped, k.transpose(-1, -2)).mul_(1.0 / std::sqrt(dim));
  if (mask.defined())
    scores.masked_fill_(mask.logical_not(), -std::numeric_limits<float>::infinity());
  at::Tensor out = at::matmul(scores.softmax(-1), v);  // [N, Hkv, G, D]
  return out.view({rows, heads, 1, dim});
}

// Attention as explicit batched matmuls, for bf16 mixed precision on the CPU: the scores and
// the weighted sum run as bf16 GEMMs (AMX where the CPU has it), the softmax in fp32. Measured
// on qwen2-50m at 8 x 255 tokens: SDPA's CPU flash kernel spends ~30 ms per layer in its bf16
// backward, which these GEMMs do in a fraction of (docs/performance.md). It keeps the
// [N, H, T, S] probabilities for backward, so only up to kMatmulAttentionMaxKeys keys.
// q [N, H, T, D], k and v [N, Hkv, S, D], mask [N, 1, T, S] bool or undefined (then causal,
// queries aligned to the last T keys) -> [N, H, T, D] in `dtype`.
constexpr int64_t kMatmulAttentionMaxKeys = 1024;

at::Tensor matmul_attention(const at::Tensor& q,
                            const at::Tensor& k,
                            const at::Tensor& v,
                            const at::Tensor& mask,
                            at::ScalarType dtype) {
  const int64_t heads = q.size(1), kv_heads = k.size(1), length = q.size(2), keys = k.size(2);
  const int64_t groups = heads / kv_heads, dim = q.size(3);
  // GQA as HF's repeat_kv does: each KV head serves `groups` consecutive query heads.
  at::Tensor keys_per_head = groups == 1 ? k : k.repeat_interleave(groups, 1);
  at::Tensor values_per_head = groups == 1 ? v : v.repeat_interleave(groups, 1);
  at::Tensor scores = at::matmul(q.to(dtype), keys_per_head.to(dtype).transpose(-1, -2))
                          .mul_(1.0 / std::sqrt(static_cast<double>(dim)));  // [N, H, T, S]
  at::Tensor allowed = mask;
  if (!allowed.defined()) {
    allowed = at::ones({length, keys}, q.options().dtype(at::kBool)).tril(keys - length);
  }
  scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  at::Tensor probabilities = at::softmax(scores, -1, at::kFloat).to(dtype);
  return at::matmul(probabilities, values_per_head.to(dtype));
}

// Whether decoder_layer_forward's multi-position attention takes matmul_attention: bf16
// autocast on the CPU and at most kMatmulAttentionMaxKeys keys. The same rule with grad on or
// off, so a scoring pass and the update compute the same log-probs.
bool use_matmul_attention(const at::Tensor& q, int64_t keys) {
  if (!q.device().is_cpu() || keys > kMatmulAttentionMaxKeys) return false;
  return AutocastScope::current(at::kCPU) == at::kBFloat16;
}

// The layer's second half on the attention block's output `hidden` [N, T, E]:
// hidden + down(silu(gate(h)) * up(h)) with h = RMSNorm(hidden).
at::Tensor mlp_block(const ModelConfig& c, const DecoderLayerWeights& w, const at::Tensor& hidden) {
  at::Tensor h = kernels::rms_norm(hidden, w.post_norm, c.rms_norm_eps);
  at::Tensor mlp = at::linear(swiglu(at::linear(h, w.gate_up_weight)), w.down_weight);
  return hidden + mlp;
}

}  // namespace

at::Tensor decoder_layer_forward(const ModelConfig& c,
                                 const DecoderLayerWeights& w,
                                 const at::Tensor& x,
                                 const RotaryTables& rotary,
                                 const at::Tensor& attention_mask,
                                 KvCache* cache,
                                 int64_t layer_index,
                                 const at::Tensor& write_positions,
                                 const LayerPrefix& prefix,
                                 LayerPrefix* captured,
                                 const PagedDecodeStep* paged) {
  const int64_t rows = x.size(0), length = x.size(1);
  const int64_t heads = c.num_attention_heads, kv_heads = c.num_key_value_heads;
  const int64_t dim = c.head_dim;

  // Attention block. qkv [N, T, H + 2 Hkv, D]. split (not narrow) so that backward
  // concatenates the three gradients instead of zero-filling a full-size buffer per slice;
  // RoPE runs once over q and k together.
  at::Tensor h = kernels::rms_norm(x, w.input_norm, c.rms_norm_eps);
  at::Tensor qkv = at::linear(h, w.qkv_weight, w.qkv_bias).view({rows, length, -1, dim});
  if (paged && !c.qk_norm &&
      kernels::rope_append_uses_cuda(qkv, rotary.cos, paged->cache->keys[layer_index])) {
    // One kernel rotates q and k and appends k and v to the paged cache (bit for bit the ATen
    // path below); Qwen3's q/k norms would sit between, so it takes the ATen path.
    const PagedKvCache& pool = *paged->cache;
    const at::Tensor q = kernels::rope_append_cuda(
        qkv.view({rows, -1, dim}), rotary.cos.reshape({rows, dim}), rotary.sin.reshape({rows, dim}),
        heads, pool.keys[layer_index], pool.values[layer_index], paged->write_blocks,
        paged->write_offsets);  // [N, H, D]
    const at::Tensor attention =
        kernels::paged_decode_attention(q, pool.keys[layer_index], pool.values[layer_index],
                                        paged->block_table, paged->lengths,
                                        1.0 / std::sqrt(static_cast<double>(dim)))
            .reshape({rows, 1, heads * dim});
    return mlp_block(c, w, x + at::linear(attention, w.output_weight, w.output_bias));
  }
  auto qk_v = qkv.split_with_sizes({heads + kv_heads, kv_heads}, 2);
  at::Tensor qk = qk_v[0];  // [N, T, H + Hkv, D]
  if (c.qk_norm) {
    // Qwen3: RMSNorm over each head's D values with separate q and k weights, before RoPE
    // (modeling_qwen3.py: q_norm(q_proj(h).view(..., D)), then apply_rotary_pos_emb).
    auto q_and_k = qk.split_with_sizes({heads, kv_heads}, 2);
    qk = at::cat({kernels::rms_norm(q_and_k[0], w.q_norm, c.rms_norm_eps),
                  kernels::rms_norm(q_and_k[1], w.k_norm, c.rms_norm_eps)},
                 2);
  }
  auto q_k = apply_rope(qk, rotary).split_with_sizes({heads, kv_heads}, 2);
  at::Tensor q = q_k[0].transpose(1, 2);   // [N, H, T, D]
  at::Tensor k = q_k[1].transpose(1, 2);   // [N, Hkv, T, D]
  at::Tensor v = qk_v[1].transpose(1, 2);  // [N, Hkv, T, D]
  bool causal = !attention_mask.defined();
  if (captured) {
    captured->keys = k;
    captured->values = v;
  }
  const bool prefix_decoding = prefix.keys.defined() && cache && write_positions.defined();
  if (prefix.keys.defined() && !prefix_decoding) {
    // Each row reads its prefix's keys and values: index_select's backward sums the G rows'
    // gradients into the one prefix (exact, through autograd). [N, Hkv, Tp + T, D].
    TORCH_CHECK(attention_mask.defined() && !cache, "a shared prefix needs a mask and no cache");
    k = at::cat({prefix.keys.index_select(0, prefix.owner), k}, 2);
    v = at::cat({prefix.values.index_select(0, prefix.owner), v}, 2);
  } else if (cache && write_positions.defined()) {
    // Per-row decoding: row n's key/value go to its own position; keys [N, Hkv, S, D].
    at::Tensor rows_index = at::arange(rows, write_positions.options());
    using at::indexing::Slice;
    // index_put_ does not convert: a mixed-precision model's bf16 cache takes bf16 rows.
    const at::ScalarType cache_dtype = cache->keys[layer_index].scalar_type();
    cache->keys[layer_index].index_put_({rows_index, Slice(), write_positions},
                                        k.select(2, 0).to(cache_dtype));
    cache->values[layer_index].index_put_({rows_index, Slice(), write_positions},
                                          v.select(2, 0).to(cache_dtype));
    const int64_t span = attention_mask.size(-1);
    k = cache->keys[layer_index].narrow(2, 0, span);
    v = cache->values[layer_index].narrow(2, 0, span);
  } else if (cache) {
    const int64_t start = cache->length;
    cache->keys[layer_index].narrow(2, start, length).copy_(k);
    cache->values[layer_index].narrow(2, start, length).copy_(v);
    k = cache->keys[layer_index].narrow(2, 0, start + length);  // [N, Hkv, S, D]
    v = cache->values[layer_index].narrow(2, 0, start + length);
    // is_causal aligns queries to the first keys; with a cache prefix only a single new
    // position (which sees every key) can skip the mask. Longer chunks come with a mask.
    if (start > 0) causal = false;
  }
  at::Tensor attention;
  if (paged) {
    // Row n's new key/value into its block (advanced indices on dims 0 and 2 put the row dim
    // first: [N, Hkv, D]); then attention through its block table, one query per row.
    PagedKvCache& pool = *paged->cache;
    const at::ScalarType cache_dtype = pool.keys[layer_index].scalar_type();
    using at::indexing::Slice;
    pool.keys[layer_index].index_put_({paged->write_blocks, Slice(), paged->write_offsets},
                                      k.select(2, 0).to(cache_dtype));
    pool.values[layer_index].index_put_({paged->write_blocks, Slice(), paged->write_offsets},
                                        v.select(2, 0).to(cache_dtype));
    attention = kernels::paged_decode_attention(q.select(2, 0).to(cache_dtype),
                                                pool.keys[layer_index], pool.values[layer_index],
                                                paged->block_table, paged->lengths,
                                                1.0 / std::sqrt(static_cast<double>(dim)))
                    .to(q.scalar_type())
                    .unsqueeze(2);  // [N, H, 1, D]
  } else if (prefix_decoding) {
    TORCH_CHECK(length == 1 && prefix.groups && prefix.blocked_keys.defined(),
                "decoding over a shared prefix takes one token per row, row groups and a mask");
    attention = shared_prefix_decode_attention(q, prefix.keys, prefix.values, prefix.blocked_keys,
                                               *prefix.groups, k, v, attention_mask);
  } else if (length == 1 && !at::GradMode::is_enabled()) {
    attention = single_query_attention(q, k, v, attention_mask);  // [N, H, 1, D]
  } else if (use_matmul_attention(q, k.size(2))) {
    attention = matmul_attention(q, k, v, causal ? at::Tensor() : attention_mask, at::kBFloat16);
  } else {
    attention = at::scaled_dot_product_attention(
        q, k, v,
        attention_mask.defined() ? std::optional<at::Tensor>(attention_mask) : std::nullopt,
        /*dropout_p=*/0.0, /*is_causal=*/causal, /*scale=*/std::nullopt,
        /*enable_gqa=*/heads != kv_heads);
  }
  attention = attention.transpose(1, 2).reshape({rows, length, heads * dim});
  return mlp_block(c, w, x + at::linear(attention, w.output_weight, w.output_bias));
}

void TransformerImpl::set_mixed_precision(std::optional<at::ScalarType> dtype) {
  TORCH_CHECK(!dtype || (*dtype == at::kBFloat16 && this->dtype() == at::kFloat),
              "mixed precision is bfloat16 compute over float32 weights; the weights are ",
              this->dtype());
  mixed_precision_ = dtype;
}

at::Tensor TransformerImpl::hidden_states(const ForwardInputs& inputs) {
  // Nested inside an engine's or a trainer's own scope this changes nothing; alone it casts
  // the weights once for this call.
  AutocastScope autocast(device().type(), mixed_precision_);
  const at::Tensor& ids = inputs.input_ids;
  TORCH_CHECK(ids.dim() == 2, "input_ids must be [N, T], got ", ids.sizes());
  const int64_t rows = ids.size(0), length = ids.size(1);
  KvCache* cache = inputs.cache;
  const int64_t past = cache ? cache->length : 0;
  if (cache) {
    TORCH_CHECK(cache->batch_size() == rows, "KV cache has ", cache->batch_size(),
                " rows, input has ", rows);
    TORCH_CHECK(past + length <= cache->capacity(), "KV cache overflow: ", past, " + ", length,
                " > capacity ", cache->capacity());
  }
  at::Tensor positions = inputs.positions;
  if (!positions.defined()) {
    positions = at::arange(past, past + length, ids.options().dtype(at::kLong))
                    .unsqueeze(0)
                    .expand({rows, length});
  }
  at::Tensor mask;
  at::Tensor prefix_owner;        // [N] int64 on the ids' device, for a shared-prefix continuation
  PrefixRowGroups prefix_groups;  // decoding over shared prefixes
  at::Tensor prefix_blocked;      // [P, 1, 1, Tp] bool, true past a prefix's end; decoding
  const bool per_row = inputs.write_positions.defined();
  if (inputs.paged) {
    TORCH_CHECK(!cache && !per_row && !inputs.prefix && length == 1 && inputs.positions.defined() &&
                    inputs.paged->cache && inputs.paged->block_table.size(0) == rows,
                "a paged decode step takes one token per row with positions, a block table for "
                "each row, and no other cache or prefix");
  } else if (per_row) {
    TORCH_CHECK(cache && length == 1 && inputs.positions.defined() && inputs.key_mask.defined(),
                "per-row decoding needs a cache, one new token per row, positions and a key "
                "mask");
    TORCH_CHECK(
        inputs.write_positions.size(0) == rows && inputs.key_mask.size(1) <= cache->capacity(),
        "write_positions must be [N] and the key mask no wider than the cache");
    // Each row's own new position is inside its key mask, so no causal or self term: a row
    // must not see the slots' other positions, however far they reach.
    mask = inputs.key_mask.to(ids.device(), at::kBool).unsqueeze(1).unsqueeze(1);  // [N,1,1,S]
    if (inputs.prefix) {
      TORCH_CHECK(inputs.prefix_owner.defined() && inputs.prefix_key_mask.defined() &&
                      inputs.prefix_owner.size(0) == rows,
                  "decoding over shared prefixes needs prefix_owner [N] and prefix_key_mask");
      prefix_groups = group_rows_by_prefix(inputs.prefix_owner, ids.device());
      at::Tensor real = inputs.prefix_key_mask.to(ids.device(), at::kBool);
      prefix_blocked = real.logical_not().view({real.size(0), 1, 1, real.size(1)});
    }
  } else if (inputs.key_mask.defined()) {
    TORCH_CHECK(inputs.key_mask.dim() == 2 && inputs.key_mask.size(0) == rows &&
                    inputs.key_mask.size(1) == past + length,
                "key_mask must be [N, S] = [", rows, ", ", past + length, "], got ",
                inputs.key_mask.sizes());
    mask = causal_padding_mask(inputs.key_mask.to(ids.device()), length);
  } else if (inputs.prefix) {
    TORCH_CHECK(!cache && inputs.positions.defined() && inputs.prefix_owner.defined() &&
                    inputs.prefix_key_mask.defined() && inputs.prefix_owner.size(0) == rows,
                "a shared-prefix continuation needs positions, prefix_owner [N], "
                "prefix_key_mask and no cache");
    // [N, 1, T, Tp + T]: the owner prefix's real positions, then causal over the row's own.
    prefix_owner = inputs.prefix_owner.to(ids.device());
    at::Tensor prefix_keys = inputs.prefix_key_mask.to(ids.device(), at::kBool)
                                 .index_select(0, prefix_owner)
                                 .unsqueeze(1)
                                 .expand({rows, length, -1});
    at::Tensor own_keys =
        at::ones({length, length}, ids.options().dtype(at::kBool)).tril().expand({rows, -1, -1});
    mask = at::cat({prefix_keys, own_keys}, 2).unsqueeze(1);
  } else if (inputs.segment_ids.defined()) {
    TORCH_CHECK(!cache && inputs.segment_ids.sizes() == ids.sizes(),
                "segment_ids must be [N, T] like input_ids and cannot be used with a cache");
    at::Tensor segments = inputs.segment_ids.to(ids.device());
    at::Tensor same = segments.unsqueeze(2) == segments.unsqueeze(1);  // [N, T, T]
    at::Tensor causal_lower = at::ones({length, length}, same.options()).tril();
    mask = (same & causal_lower).unsqueeze(1);  // [N, 1, T, T]
  } else if (past > 0 && length > 1) {
    mask = causal_padding_mask(at::ones({rows, past + length}, ids.options().dtype(at::kBool)),
                               length);
  }

  RotaryTables rotary = rope_tables(inverse_frequencies_, positions, dtype());
  at::Tensor x = at::embedding(embedding_, ids);  // [N, T, E]
  const bool checkpoint =
      gradient_checkpointing_ && at::GradMode::is_enabled() && !cache && !inputs.paged;
  if (inputs.capture) {
    inputs.capture->keys.assign(layers_.size(), {});
    inputs.capture->values.assign(layers_.size(), {});
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    LayerPrefix prefix;
    if (inputs.prefix) {
      prefix = {inputs.prefix->keys.at(i), inputs.prefix->values.at(i), prefix_owner,
                prefix_blocked, per_row ? &prefix_groups : nullptr};
    }
    LayerPrefix captured;
    LayerPrefix* capture = inputs.capture ? &captured : nullptr;
    if (checkpoint) {
      x = checkpointed_decoder_layer(config_, layers_[i], x, rotary, mask, prefix, capture);
    } else {
      x = decoder_layer_forward(config_, layers_[i], x, rotary, mask, cache,
                                static_cast<int64_t>(i), inputs.write_positions, prefix, capture,
                                inputs.paged);
    }
    if (inputs.capture) {
      inputs.capture->keys[i] = captured.keys;
      inputs.capture->values[i] = captured.values;
    }
  }
  if (cache && !per_row) cache->length += length;
  return kernels::rms_norm(x, final_norm_, config_.rms_norm_eps);
}

at::Tensor TransformerImpl::logits(const at::Tensor& hidden) const {
  AutocastOff fp32_head(hidden.device().type());  // mixed precision keeps the LM head fp32
  return at::linear(hidden, tied_or_head());
}

int64_t parameter_count(const ModelConfig& c) {
  const int64_t qkv_rows = (c.num_attention_heads + 2 * c.num_key_value_heads) * c.head_dim;
  int64_t per_layer = 2 * c.hidden_size                                     // two norms
                      + qkv_rows * c.hidden_size                            // q, k, v
                      + (c.qkv_bias ? qkv_rows : 0)                         //
                      + c.hidden_size * c.num_attention_heads * c.head_dim  // o
                      + (c.output_bias ? c.hidden_size : 0)                 //
                      + 3 * c.hidden_size * c.intermediate_size             // gate, up, down
                      + (c.qk_norm ? 2 * c.head_dim : 0);                   // q/k norms
  int64_t embeddings = c.vocab_size * c.hidden_size * (c.tie_word_embeddings ? 1 : 2);
  return embeddings + c.num_hidden_layers * per_layer + c.hidden_size;  // + final norm
}

double training_flops_per_token(const ModelConfig& c, int64_t sequence_length) {
  const double attention = 12.0 * static_cast<double>(c.num_hidden_layers) *
                           static_cast<double>(c.num_attention_heads) *
                           static_cast<double>(c.head_dim) * static_cast<double>(sequence_length);
  // The embedding lookup does no matmul: leave it out unless it is tied to the LM head
  // (then the shared matrix does the classifier matmul), as torchtitan does.
  int64_t matmul_parameters = parameter_count(c);
  if (!c.tie_word_embeddings) matmul_parameters -= c.vocab_size * c.hidden_size;
  return 6.0 * static_cast<double>(matmul_parameters) + attention;
}

double forward_flops_per_token(const ModelConfig& c, int64_t sequence_length) {
  return training_flops_per_token(c, sequence_length) / 3.0;
}

}  // namespace r1forge
