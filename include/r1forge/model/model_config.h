// Architecture of a decoder-only Llama/Qwen2/Qwen3-family model, with Hugging Face config.json
// semantics: parsing (old and new key spellings), validation, writing, and named presets.
// Families: qwen2 (Qwen2, Qwen2.5, Qwen2.5-Math, DeepSeek-R1-Distill-Qwen), qwen3 (per-head
// q/k RMSNorm, explicit head_dim that may differ from E / H), llama (Llama 2/3, Llama-3.2).
//
// Supported: RMSNorm, rotate-half RoPE (default or Llama-3 `rope_scaling`), grouped-query
// attention, SwiGLU MLP, optional q/k/v biases (Qwen2) or all-attention biases (Llama/Qwen3
// `attention_bias`), tied or untied embeddings. Rejected with a clear error rather than
// ignored: sliding-window attention, `mlp_bias`, other rope types, activations but SiLU.
// Not here: the weights (transformer.h) and the folder I/O (hf_io.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace r1forge {

enum class ModelFamily { QWEN2, QWEN3, LLAMA };

// Llama-3 style frequency-dependent RoPE scaling (`rope_type: "llama3"`).
struct RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  ModelFamily family = ModelFamily::QWEN2;
  int64_t vocab_size = 0;         // embedding rows (may exceed the tokenizer's vocab)
  int64_t hidden_size = 0;        // E
  int64_t intermediate_size = 0;  // SwiGLU inner width
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;  // H
  int64_t num_key_value_heads = 0;  // Hkv; H % Hkv == 0
  int64_t head_dim = 0;             // D; config.json `head_dim` or E / H
  int64_t max_position_embeddings = 32768;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;  // empty = plain RoPE
  bool tie_word_embeddings = false;
  bool qkv_bias = false;                // Qwen2: true; Llama/Qwen3: attention_bias
  bool output_bias = false;             // o_proj bias (Llama/Qwen3 attention_bias only)
  bool qk_norm = false;                 // Qwen3: RMSNorm [D] on each q and k head before RoPE
  double initializer_range = 0.02;      // std of the normal init (HF convention)
  std::string torch_dtype = "float32";  // dtype the weights are stored in
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;  // int or list in config.json
  std::optional<int64_t> pad_token_id;

  // Throws ConfigError naming `source` and the key when the architecture is inconsistent.
  void validate(const std::string& source) const;
};

// Parses HF config.json content; `source` names the file in errors.
ModelConfig model_config_from_json(const nlohmann::json& json, const std::string& source);
ModelConfig load_model_config(const std::filesystem::path& config_json);
// config.json as transformers writes it for this family (Qwen2ForCausalLM, Qwen3ForCausalLM,
// LlamaForCausalLM).
nlohmann::json model_config_to_json(const ModelConfig& config);

// Named presets for `init-model --preset`: tiny test models, the ~10M benchmark model, and the
// shapes of real checkpoints (named like configs/models/<name>/, which holds their config.json).
// Unknown name: UsageError listing the known ones.
ModelConfig model_preset(const std::string& name);
std::vector<std::string> model_preset_names();

}  // namespace r1forge
