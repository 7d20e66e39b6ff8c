// Named model presets (`r1forge init-model --preset NAME`); see model/model_config.h.
// Tiny presets exist for tests and the CPU demo; real shapes match the public config.json of
// the named checkpoint so a random init has the right size for memory and speed planning.
#include <map>

#include "r1forge/core/check.h"
#include "r1forge/model/model_config.h"

namespace r1forge {
namespace {

ModelConfig make(ModelFamily family,
                 int64_t vocab,
                 int64_t hidden,
                 int64_t intermediate,
                 int64_t layers,
                 int64_t heads,
                 int64_t kv_heads,
                 bool tied,
                 double theta) {
  ModelConfig config;
  config.family = family;
  config.vocab_size = vocab;
  config.hidden_size = hidden;
  config.intermediate_size = intermediate;
  config.num_hidden_layers = layers;
  config.num_attention_heads = heads;
  config.num_key_value_heads = kv_heads;
  config.head_dim = hidden / heads;
  config.tie_word_embeddings = tied;
  config.rope_theta = theta;
  config.qkv_bias = family == ModelFamily::QWEN2;
  config.rms_norm_eps = family == ModelFamily::QWEN2 ? 1e-6 : 1e-5;
  return config;
}

const std::map<std::string, ModelConfig>& presets() {
  static const std::map<std::string, ModelConfig> table = [] {
    std::map<std::string, ModelConfig> result;
    // Test models: Qwen2 with biases and GQA; Llama with tied embeddings, MHA, llama3 rope.
    result["tiny-qwen2"] = make(ModelFamily::QWEN2, 256, 64, 128, 2, 4, 2, false, 10000.0);
    ModelConfig tiny_llama = make(ModelFamily::LLAMA, 256, 64, 128, 2, 4, 4, true, 10000.0);
    tiny_llama.rope_scaling = RopeScaling{8.0, 1.0, 4.0, 64};
    result["tiny-llama"] = tiny_llama;
    // ~10.5M parameters: the CPU benchmark model (8 layers, width 256, vocab 8192).
    result["qwen2-10m"] = make(ModelFamily::QWEN2, 8192, 256, 768, 8, 8, 4, false, 10000.0);
    // Real shapes (Qwen/Qwen2.5-*, meta-llama/Llama-3.2-1B config.json).
    ModelConfig qwen_05b = make(ModelFamily::QWEN2, 151936, 896, 4864, 24, 14, 2, true, 1000000.0);
    qwen_05b.bos_token_id = 151643;
    qwen_05b.eos_token_ids = {151643};
    qwen_05b.torch_dtype = "bfloat16";
    result["qwen2.5-0.5b"] = qwen_05b;
    ModelConfig qwen_15b = make(ModelFamily::QWEN2, 151936, 1536, 8960, 28, 12, 2, true, 1000000.0);
    qwen_15b.bos_token_id = 151643;
    qwen_15b.eos_token_ids = {151643};
    qwen_15b.torch_dtype = "bfloat16";
    result["qwen2.5-1.5b"] = qwen_15b;
    ModelConfig llama_1b = make(ModelFamily::LLAMA, 128256, 2048, 8192, 16, 32, 8, true, 500000.0);
    llama_1b.head_dim = 64;
    llama_1b.max_position_embeddings = 131072;
    llama_1b.rope_scaling = RopeScaling{32.0, 1.0, 4.0, 8192};
    llama_1b.bos_token_id = 128000;
    llama_1b.eos_token_ids = {128001, 128008, 128009};
    llama_1b.torch_dtype = "bfloat16";
    result["llama-3.2-1b"] = llama_1b;
    return result;
  }();
  return table;
}

}  // namespace

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, config] : presets()) names.push_back(name);
  return names;
}

ModelConfig model_preset(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    std::string known;
    for (const auto& candidate : model_preset_names())
      known += (known.empty() ? "" : ", ") + candidate;
    R1F_THROW(UsageError, "unknown model preset '", name, "' (known: ", known, ")");
  }
  it->second.validate("preset " + name);
  return it->second;
}

}  // namespace r1forge
