// The real checkpoints' config.json files (configs/models/<name>/config.json, as published on
// the Hugging Face Hub) against the r1forge presets of the same names, and their parameter
// counts against an independent oracle; plus Qwen3's config.json semantics.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

// Parameter counts from transformers 5.24 itself, not from r1forge's formula: for each
// configs/models/<name>/config.json, AutoModelForCausalLM.from_config(AutoConfig.from_pretrained
// (folder)) on torch.device("meta"), summing numel over model.parameters() (a tied embedding
// counts once). They agree with the model cards: Qwen2.5-0.5B "0.49B", 1.5B "1.54B", 7B "7.61B",
// Qwen3-0.6B "0.6B", Qwen3-1.7B "1.7B", R1-Distill-Qwen-1.5B "1.78B" (untied head), Llama-3.2-1B
// "1.23B".
const std::map<std::string, int64_t>& published_parameter_counts() {
  static const std::map<std::string, int64_t> counts = {
      {"deepseek-r1-distill-qwen-1.5b", 1777088000},
      {"llama-3.2-1b", 1235814400},
      {"qwen2.5-0.5b", 494032768},
      {"qwen2.5-1.5b", 1543714304},
      {"qwen2.5-7b", 7615616512},
      {"qwen2.5-math-1.5b", 1543714304},
      {"qwen3-0.6b", 596049920},
      {"qwen3-1.7b", 1720574976},
  };
  return counts;
}

fs::path models_dir() {
  return testing::source_dir() / "configs" / "models";
}

void expect_same_architecture(const ModelConfig& a, const ModelConfig& b, const std::string& name) {
  EXPECT_EQ(a.family, b.family) << name;
  EXPECT_EQ(a.vocab_size, b.vocab_size) << name;
  EXPECT_EQ(a.hidden_size, b.hidden_size) << name;
  EXPECT_EQ(a.intermediate_size, b.intermediate_size) << name;
  EXPECT_EQ(a.num_hidden_layers, b.num_hidden_layers) << name;
  EXPECT_EQ(a.num_attention_heads, b.num_attention_heads) << name;
  EXPECT_EQ(a.num_key_value_heads, b.num_key_value_heads) << name;
  EXPECT_EQ(a.head_dim, b.head_dim) << name;
  EXPECT_EQ(a.max_position_embeddings, b.max_position_embeddings) << name;
  EXPECT_EQ(a.rms_norm_eps, b.rms_norm_eps) << name;
  EXPECT_EQ(a.rope_theta, b.rope_theta) << name;
  ASSERT_EQ(a.rope_scaling.has_value(), b.rope_scaling.has_value()) << name;
  if (a.rope_scaling) {
    EXPECT_EQ(a.rope_scaling->factor, b.rope_scaling->factor) << name;
    EXPECT_EQ(a.rope_scaling->low_freq_factor, b.rope_scaling->low_freq_factor) << name;
    EXPECT_EQ(a.rope_scaling->high_freq_factor, b.rope_scaling->high_freq_factor) << name;
    EXPECT_EQ(a.rope_scaling->original_max_position_embeddings,
              b.rope_scaling->original_max_position_embeddings)
        << name;
  }
  EXPECT_EQ(a.tie_word_embeddings, b.tie_word_embeddings) << name;
  EXPECT_EQ(a.qkv_bias, b.qkv_bias) << name;
  EXPECT_EQ(a.output_bias, b.output_bias) << name;
  EXPECT_EQ(a.qk_norm, b.qk_norm) << name;
  EXPECT_EQ(a.initializer_range, b.initializer_range) << name;
  EXPECT_EQ(a.torch_dtype, b.torch_dtype) << name;
  EXPECT_EQ(a.bos_token_id, b.bos_token_id) << name;
  EXPECT_EQ(a.eos_token_ids, b.eos_token_ids) << name;
  EXPECT_EQ(a.pad_token_id, b.pad_token_id) << name;
}

TEST(ModelConfigs, ShippedConfigJsonEqualsPresetOfTheSameName) {
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(models_dir())) {
    if (entry.is_directory()) folders.insert(entry.path().filename().string());
  }
  std::set<std::string> expected;
  for (const auto& [name, count] : published_parameter_counts()) expected.insert(name);
  EXPECT_EQ(folders, expected) << "configs/models/ and the published counts list differ";
  for (const auto& name : folders) {
    SCOPED_TRACE(name);
    ModelConfig shipped = load_model_config(models_dir() / name / "config.json");
    ModelConfig preset = model_preset(name);
    expect_same_architecture(shipped, preset, name);
    EXPECT_EQ(parameter_count(shipped), published_parameter_counts().at(name));
    // What r1forge writes for the preset reads back as the same architecture.
    expect_same_architecture(
        model_config_from_json(model_config_to_json(preset), name + " (written)"), preset, name);
  }
}

TEST(ModelConfigs, RealShapesKeepTheirQuirks) {
  // Qwen3-0.6B: head_dim 128 while hidden / heads = 1024 / 16 = 64; q/k norms, no biases.
  ModelConfig qwen3 = model_preset("qwen3-0.6b");
  EXPECT_EQ(qwen3.head_dim, 128);
  EXPECT_NE(qwen3.head_dim, qwen3.hidden_size / qwen3.num_attention_heads);
  EXPECT_TRUE(qwen3.qk_norm);
  EXPECT_FALSE(qwen3.qkv_bias);
  // The R1 distill: Qwen2 with biases, rope_theta 10000 (from Qwen2.5-Math), untied head.
  ModelConfig distill = model_preset("deepseek-r1-distill-qwen-1.5b");
  EXPECT_EQ(distill.family, ModelFamily::QWEN2);
  EXPECT_EQ(distill.rope_theta, 10000.0);
  EXPECT_FALSE(distill.tie_word_embeddings);
  EXPECT_TRUE(distill.qkv_bias);
  // Llama-3.2-1B: llama3 rope scaling, factor 32 from 8192 positions.
  ModelConfig llama = model_preset("llama-3.2-1b");
  ASSERT_TRUE(llama.rope_scaling.has_value());
  EXPECT_EQ(llama.rope_scaling->factor, 32.0);
  EXPECT_EQ(llama.rope_scaling->original_max_position_embeddings, 8192);
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

nlohmann::json tiny_qwen3_json() {
  return {{"architectures", {"Qwen3ForCausalLM"}},
          {"model_type", "qwen3"},
          {"vocab_size", 32},
          {"hidden_size", 16},
          {"intermediate_size", 32},
          {"num_hidden_layers", 1},
          {"num_attention_heads", 2},
          {"num_key_value_heads", 1},
          {"head_dim", 12},
          {"use_sliding_window", false},
          {"sliding_window", nullptr},
          {"max_window_layers", 28}};
}

TEST(ModelConfigs, Qwen3ConfigJsonFollowsTransformers) {
  ModelConfig config = model_config_from_json(tiny_qwen3_json(), "q/config.json");
  EXPECT_EQ(config.family, ModelFamily::QWEN3);
  EXPECT_TRUE(config.qk_norm);
  EXPECT_EQ(config.head_dim, 12);  // explicit, not 16 / 2
  EXPECT_FALSE(config.qkv_bias);   // attention_bias defaults to false
  EXPECT_FALSE(config.output_bias);
  // Qwen3Config's head_dim default is 128, not hidden / heads.
  nlohmann::json no_head_dim = tiny_qwen3_json();
  no_head_dim.erase("head_dim");
  EXPECT_EQ(model_config_from_json(no_head_dim, "q/config.json").head_dim, 128);
  // attention_bias: q/k/v and o_proj biases together, as in modeling_qwen3.py.
  nlohmann::json biased = tiny_qwen3_json();
  biased["attention_bias"] = true;
  ModelConfig with_bias = model_config_from_json(biased, "q/config.json");
  EXPECT_TRUE(with_bias.qkv_bias);
  EXPECT_TRUE(with_bias.output_bias);
  // The class name alone is enough.
  nlohmann::json by_class = tiny_qwen3_json();
  by_class.erase("model_type");
  EXPECT_EQ(model_config_from_json(by_class, "q/config.json").family, ModelFamily::QWEN3);
  // Written back as transformers writes it.
  nlohmann::json written = model_config_to_json(config);
  EXPECT_EQ(written["model_type"], "qwen3");
  EXPECT_EQ(written["architectures"][0], "Qwen3ForCausalLM");
  EXPECT_EQ(written["head_dim"], 12);
  EXPECT_EQ(written["attention_bias"], false);
  EXPECT_EQ(written["use_sliding_window"], false);
  EXPECT_EQ(model_config_from_json(written, "written.json").head_dim, 12);
}

TEST(ModelConfigs, Qwen3SlidingWindowIsRejectedNamingFileAndKey) {
  nlohmann::json sliding = tiny_qwen3_json();
  sliding["use_sliding_window"] = true;
  sliding["sliding_window"] = 4096;
  std::string message = error_of([&] { model_config_from_json(sliding, "q/config.json"); });
  EXPECT_NE(message.find("q/config.json: use_sliding_window=true"), std::string::npos) << message;
  nlohmann::json layer_types = tiny_qwen3_json();
  layer_types["layer_types"] = {"sliding_attention"};
  message = error_of([&] { model_config_from_json(layer_types, "q/config.json"); });
  EXPECT_NE(message.find("layer_types contains \"sliding_attention\""), std::string::npos)
      << message;
}

}  // namespace
}  // namespace r1forge
