// Hugging Face model folders: config.json + safetensors weights (single or sharded) +
// generation_config.json, read into and written from a Transformer.
//
// Weight names are transformers' (model.layers.N.self_attn.q_proj.weight, Qwen3's
// self_attn.q_norm.weight / k_norm.weight, ...); the fused q/k/v and gate/up matrices of
// transformer.h are split on save and joined on load; a tied LM head is not written. A folder
// written here loads in transformers unchanged, and the reverse (both tested).
// Not here: tokenizer files (tokenizer/), checkpoints with optimizer state (pipeline/).
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/model/transformer.h"

namespace r1forge {

struct ModelLoadOptions {
  // Compute dtype; undefined = float32 on CPU (weights stored as BF16/F16 are converted).
  std::optional<at::ScalarType> dtype;
  at::Device device = at::kCPU;
};

struct ModelSaveOptions {
  // Largest shard in bytes before splitting into model-0000i-of-0000n.safetensors files.
  int64_t max_shard_bytes = 5LL * 1024 * 1024 * 1024;
  // Storage dtype; undefined = the model's current dtype.
  std::optional<at::ScalarType> dtype;
};

// What generation_config.json says that r1forge uses (stop ids, default sampling).
struct GenerationConfig {
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
};

Transformer load_model(const std::filesystem::path& folder, const ModelLoadOptions& options = {});
// Writes weights (atomically, stale shards removed), generation_config.json, then config.json
// last, so a folder with a config.json always has complete weights.
void save_model(Transformer& model,
                const std::filesystem::path& folder,
                const ModelSaveOptions& options = {});

// The model's tensors under HF names, split from the fused storage (views, not copies).
// With `gradients`, the same views of each parameter's .grad() instead (after backward).
std::vector<std::pair<std::string, at::Tensor>> hf_named_tensors(Transformer& model,
                                                                 bool gradients = false);
// Copies HF-named tensors into the model, checking every expected name is present with the
// right shape; `source` names the file(s) in errors.
void load_hf_tensors(Transformer& model,
                     const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                     const std::string& source);

// Absent file: eos/bos from config.json. Malformed file: ConfigError naming it.
GenerationConfig load_generation_config(const std::filesystem::path& folder);
void save_generation_config(const GenerationConfig& config, const std::filesystem::path& folder);

at::ScalarType parse_dtype_name(const std::string& name);  // float32|bfloat16|float16
std::string dtype_name(at::ScalarType dtype);

}  // namespace r1forge
