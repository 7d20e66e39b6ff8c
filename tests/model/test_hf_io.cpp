// HF folder I/O: save/load round trips (single file and sharded), the names and shapes of the
// written tensors, config.json spellings, and load errors naming the file and the tensor/key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "device_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/safetensors.h"
#include "r1forge/model/safetensors_folder.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

void expect_same_weights(Transformer& a, Transformer& b) {
  auto na = hf_named_tensors(a), nb = hf_named_tensors(b);
  ASSERT_EQ(na.size(), nb.size());
  for (size_t i = 0; i < na.size(); ++i) {
    EXPECT_EQ(na[i].first, nb[i].first);
    EXPECT_TRUE(na[i].second.equal(nb[i].second)) << na[i].first;
  }
}

template <typename F>
std::string error_of(F&& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(HfIo, SaveLoadRoundTripIsBitwiseSingleAndSharded) {
  testing::TempDir dir;
  for (const char* preset : {"tiny-qwen2", "tiny-llama", "tiny-qwen3"}) {
    Transformer model(model_preset(preset));
    model->init_weights(11);
    save_model(model, dir / preset);
    Transformer loaded = load_model(dir / preset);
    expect_same_weights(model, loaded);

    ModelSaveOptions sharded;
    sharded.max_shard_bytes = 40000;  // forces several shards for the ~0.1M-parameter model
    save_model(model, dir / (std::string(preset) + "-sharded"), sharded);
    EXPECT_TRUE(
        fs::exists(dir / (std::string(preset) + "-sharded") / "model.safetensors.index.json"));
    Transformer from_shards = load_model(dir / (std::string(preset) + "-sharded"));
    expect_same_weights(model, from_shards);
  }
}

// A model on each device saves and loads bit for bit: written from host copies, loaded onto the
// device asked for (the checkpoint path of a GPU run).
class HfIoOn : public ::testing::TestWithParam<at::Device> {};

TEST_P(HfIoOn, SaveFromAndLoadOntoTheDeviceIsBitwise) {
  const at::Device device = GetParam();
  R1F_SKIP_UNLESS_AVAILABLE(device);
  testing::TempDir dir;
  Transformer model(model_preset("tiny-qwen3"));
  model->init_weights(12);
  Transformer on_cpu(model_preset("tiny-qwen3"));
  on_cpu->init_weights(12);
  testing::on_device(model, device);
  save_model(model, dir / "saved");
  Transformer loaded = load_model(dir / "saved", {.device = device});
  EXPECT_EQ(loaded->device(), device);
  expect_same_weights(model, loaded);
  // Bitwise the CPU model's weights, whichever device wrote them.
  Transformer back = load_model(dir / "saved");
  expect_same_weights(on_cpu, back);
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         HfIoOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

TEST(HfIo, WritesHfNamesAndTiedEmbeddingOnce) {
  testing::TempDir dir;
  Transformer llama(model_preset("tiny-llama"));
  save_model(llama, dir / "llama");
  safetensors::SafetensorsFile file(dir / "llama" / "model.safetensors");
  EXPECT_TRUE(file.contains("model.layers.1.self_attn.q_proj.weight"));
  EXPECT_TRUE(file.contains("model.layers.0.mlp.gate_proj.weight"));
  EXPECT_FALSE(file.contains("lm_head.weight"));  // tied: written once
  EXPECT_FALSE(file.contains("model.layers.0.self_attn.q_proj.bias"));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  Transformer qwen(model_preset("tiny-qwen2"));
  save_model(qwen, dir / "qwen");
  safetensors::SafetensorsFile qwen_file(dir / "qwen" / "model.safetensors");
  EXPECT_TRUE(qwen_file.contains("lm_head.weight"));
  EXPECT_EQ(qwen_file.info("model.layers.0.self_attn.k_proj.bias").shape,
            (std::vector<int64_t>{32}));  // Hkv 2 * D 16
  EXPECT_FALSE(qwen_file.contains("model.layers.0.self_attn.o_proj.bias"));
}

TEST(HfIo, StorageDtypeConversionRoundTrips) {
  testing::TempDir dir;
  Transformer model(model_preset("tiny-qwen2"));
  ModelSaveOptions bf16;
  bf16.dtype = at::kBFloat16;
  save_model(model, dir / "bf16", bf16);
  EXPECT_EQ(load_model_config(dir / "bf16" / "config.json").torch_dtype, "bfloat16");
  Transformer loaded = load_model(dir / "bf16");
  // fp32 -> bf16 -> fp32 equals rounding to bf16 once.
  EXPECT_TRUE(loaded->embedding().equal(model->embedding().to(at::kBFloat16).to(at::kFloat)));
}

TEST(HfIo, ConfigJsonAcceptsOldAndNewSpellings) {
  nlohmann::json v4 = {{"model_type", "llama"},
                       {"vocab_size", 32},
                       {"hidden_size", 16},
                       {"intermediate_size", 32},
                       {"num_hidden_layers", 1},
                       {"num_attention_heads", 2},
                       {"rope_theta", 500000.0},
                       {"torch_dtype", "bfloat16"},
                       {"eos_token_id", {1, 2}},
                       {"rope_scaling",
                        {{"type", "llama3"},
                         {"factor", 8.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 8192}}}};
  ModelConfig old_style = model_config_from_json(v4, "v4.json");
  nlohmann::json v5 = v4;
  v5.erase("rope_theta");
  v5.erase("rope_scaling");
  v5.erase("torch_dtype");
  v5["dtype"] = "bfloat16";
  v5["eos_token_id"] = 2;
  v5["rope_parameters"] = {{"rope_type", "llama3"},   {"rope_theta", 500000.0},
                           {"factor", 8.0},           {"low_freq_factor", 1.0},
                           {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}};
  ModelConfig new_style = model_config_from_json(v5, "v5.json");
  for (const ModelConfig& c : {old_style, new_style}) {
    EXPECT_EQ(c.rope_theta, 500000.0);
    ASSERT_TRUE(c.rope_scaling.has_value());
    EXPECT_EQ(c.rope_scaling->factor, 8.0);
    EXPECT_EQ(c.torch_dtype, "bfloat16");
    EXPECT_EQ(c.num_key_value_heads, 2);  // absent: equals the attention heads
    EXPECT_EQ(c.head_dim, 8);
  }
  EXPECT_EQ(old_style.eos_token_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(new_style.eos_token_ids, (std::vector<int64_t>{2}));
  // And what r1forge writes reads back the same.
  ModelConfig again = model_config_from_json(model_config_to_json(new_style), "written.json");
  EXPECT_EQ(again.rope_theta, new_style.rope_theta);
  EXPECT_EQ(again.rope_scaling->original_max_position_embeddings, 8192);
  EXPECT_EQ(again.eos_token_ids, new_style.eos_token_ids);
}

TEST(HfIo, ConfigJsonRejectsUnsupportedFeaturesNamingFileAndKey) {
  nlohmann::json base = {{"model_type", "qwen2"},  {"vocab_size", 32},
                         {"hidden_size", 16},      {"intermediate_size", 32},
                         {"num_hidden_layers", 1}, {"num_attention_heads", 2}};
  auto message = [&](const char* key, nlohmann::json value) {
    nlohmann::json config = base;
    config[key] = value;
    return error_of([&] { model_config_from_json(config, "m/config.json"); });
  };
  EXPECT_NE(message("use_sliding_window", true).find("m/config.json: use_sliding_window"),
            std::string::npos);
  EXPECT_NE(message("mlp_bias", true).find("mlp_bias=true is not supported"), std::string::npos);
  EXPECT_NE(message("hidden_act", "gelu").find("hidden_act 'gelu'"), std::string::npos);
  EXPECT_NE(message("rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}})
                .find("rope_type 'yarn' is not supported"),
            std::string::npos);
  EXPECT_NE(message("model_type", "mistral").find("model_type 'mistral'"), std::string::npos);
  EXPECT_NE(message("num_key_value_heads", 3).find("multiple of num_key_value_heads"),
            std::string::npos);
  EXPECT_NE(message("vocab_size", "big").find("'vocab_size' must be an integer"),
            std::string::npos);
  nlohmann::json missing = base;
  missing.erase("hidden_size");
  EXPECT_NE(error_of([&] {
              model_config_from_json(missing, "m/config.json");
            }).find("m/config.json: required key 'hidden_size' is missing"),
            std::string::npos);
}

TEST(HfIo, LoadErrorsNameTheTensor) {
  testing::TempDir dir;
  Transformer model(model_preset("tiny-qwen2"));
  auto tensors = hf_named_tensors(model);
  // Missing tensor.
  auto without = tensors;
  without.erase(without.begin() + 3);
  std::string missing_name = tensors[3].first;
  EXPECT_NE(error_of([&] {
              load_hf_tensors(model, without, "w.safetensors");
            }).find("w.safetensors: tensor '" + missing_name + "' is missing"),
            std::string::npos);
  // Unexpected extra tensor.
  auto extra = tensors;
  extra.emplace_back("model.layers.9.mlp.up_proj.weight", at::zeros({2, 2}));
  EXPECT_NE(error_of([&] {
              load_hf_tensors(model, extra, "w.safetensors");
            }).find("model.layers.9.mlp.up_proj.weight"),
            std::string::npos);
  // A rotary buffer from an old checkpoint is ignored.
  auto with_buffer = tensors;
  with_buffer.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", at::zeros({8}));
  EXPECT_NO_THROW(load_hf_tensors(model, with_buffer, "w.safetensors"));
  // generation_config.json: list or int eos, malformed file named.
  save_model(model, dir / "m");
  atomic_write_file(dir / "m" / "generation_config.json",
                    "{\"eos_token_id\": [5, 6], \"top_p\": 0.9}");
  GenerationConfig generation = load_generation_config(dir / "m");
  EXPECT_EQ(generation.eos_token_ids, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(generation.top_p, 0.9);
  atomic_write_file(dir / "m" / "generation_config.json", "{\"eos_token_id\": \"x\"}");
  EXPECT_NE(error_of([&] { load_generation_config(dir / "m"); }).find("generation_config.json"),
            std::string::npos);
}

}  // namespace
}  // namespace r1forge
