// Named model presets (`r1forge init-model --preset NAME`); see model/model_config.h.
// Tiny presets exist for tests and the CPU demo; real shapes match the public config.json of
// the named checkpoint so a random init has the right size for memory and speed planning.
#include <map>
#include <vector>

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
  config.rms_norm_eps = family == ModelFamily::LLAMA ? 1e-5 : 1e-6;
  return config;
}

// A real checkpoint's shape with its config.json's token ids, context and storage dtype.
ModelConfig real(ModelConfig config,
                 int64_t max_positions,
                 int64_t bos,
                 std::vector<int64_t> eos,
                 int64_t head_dim = 0) {
  config.max_position_embeddings = max_positions;
  config.bos_token_id = bos;
  config.eos_token_ids = std::move(eos);
  config.torch_dtype = "bfloat16";
  if (head_dim > 0) config.head_dim = head_dim;
  return config;
}

ModelConfig qwen3(int64_t vocab,
                  int64_t hidden,
                  int64_t intermediate,
                  int64_t layers,
                  int64_t heads,
                  int64_t kv_heads,
                  bool tied) {
  ModelConfig config =
      make(ModelFamily::QWEN3, vocab, hidden, intermediate, layers, heads, kv_heads, tied, 1e6);
  config.qk_norm = true;
  return config;
}

const std::map<std::string, ModelConfig>& presets() {
  static const std::map<std::string, ModelConfig> table = [] {
    std::map<std::string, ModelConfig> result;
    // Test models: Qwen2 with biases and GQA; Llama with tied embeddings, MHA, llama3 rope;
    // Qwen3 with q/k norms and head_dim 32 != E / H = 16.
    result["tiny-qwen2"] = make(ModelFamily::QWEN2, 256, 64, 128, 2, 4, 2, false, 10000.0);
    ModelConfig tiny_llama = make(ModelFamily::LLAMA, 256, 64, 128, 2, 4, 4, true, 10000.0);
    tiny_llama.rope_scaling = RopeScaling{8.0, 1.0, 4.0, 64};
    result["tiny-llama"] = tiny_llama;
    ModelConfig tiny_qwen3 = qwen3(256, 64, 128, 2, 4, 2, true);
    tiny_qwen3.head_dim = 32;
    result["tiny-qwen3"] = tiny_qwen3;
    // ~10.5M parameters: the CPU benchmark model (8 layers, width 256, vocab 8192).
    result["qwen2-10m"] = make(ModelFamily::QWEN2, 8192, 256, 768, 8, 8, 4, false, 10000.0);
    // ~52.6M parameters: the larger CPU benchmark model (14 layers, width 512, head_dim 64).
    result["qwen2-50m"] = make(ModelFamily::QWEN2, 8192, 512, 1536, 14, 8, 4, false, 10000.0);

    // Real shapes: each equals configs/models/<name>/config.json, the checkpoint's published
    // config.json (tests/model/test_model_configs.cpp checks the two agree).
    constexpr auto Q2 = ModelFamily::QWEN2;
    constexpr int64_t kQwenVocab = 151936, kQwenEnd = 151643;
    result["qwen2.5-0.5b"] =
        real(make(Q2, kQwenVocab, 896, 4864, 24, 14, 2, true, 1e6), 32768, kQwenEnd, {kQwenEnd});
    result["qwen2.5-1.5b"] =
        real(make(Q2, kQwenVocab, 1536, 8960, 28, 12, 2, true, 1e6), 131072, kQwenEnd, {kQwenEnd});
    result["qwen2.5-7b"] =
        real(make(Q2, 152064, 3584, 18944, 28, 28, 4, false, 1e6), 131072, kQwenEnd, {kQwenEnd});
    // The Math base model: 4k context, rope_theta 10000.
    result["qwen2.5-math-1.5b"] =
        real(make(Q2, kQwenVocab, 1536, 8960, 28, 12, 2, true, 1e4), 4096, kQwenEnd, {kQwenEnd});
    // R1's distilled student: Qwen2.5-Math-1.5B's shape with an untied LM head.
    result["deepseek-r1-distill-qwen-1.5b"] =
        real(make(Q2, kQwenVocab, 1536, 8960, 28, 12, 2, false, 1e4), 131072, kQwenEnd, {kQwenEnd});
    // Qwen3: head_dim 128 whatever E / H is; eos is <|im_end|> (151645).
    result["qwen3-0.6b"] =
        real(qwen3(kQwenVocab, 1024, 3072, 28, 16, 8, true), 40960, kQwenEnd, {151645}, 128);
    result["qwen3-1.7b"] =
        real(qwen3(kQwenVocab, 2048, 6144, 28, 16, 8, true), 40960, kQwenEnd, {151645}, 128);
    ModelConfig llama_1b = make(ModelFamily::LLAMA, 128256, 2048, 8192, 16, 32, 8, true, 500000.0);
    llama_1b.rope_scaling = RopeScaling{32.0, 1.0, 4.0, 8192};
    result["llama-3.2-1b"] = real(llama_1b, 131072, 128000, {128001}, 64);
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
