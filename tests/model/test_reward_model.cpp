// The reward model against transformers' *ForSequenceClassification: the score position rule
// (hand cases), the scores of tiny random Qwen2/Llama/Qwen3 classifiers that transformers made
// (tests/golden/reward_model/*_rm, tests/model/make_reward_model_fixtures.py) on right-padded,
// left-padded and single rows, save/load round trips, starting from a causal LM, and bad
// folders. The reverse direction (folders saved here, scored by transformers) is the CTest
// entry interop.reward_model_folder_loads_in_transformers.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/reward_model.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/model/safetensors_folder.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

const char* const kGoldenModels[] = {"tiny_qwen2_rm", "tiny_llama_rm", "tiny_qwen3_rm"};

fs::path golden(const std::string& name) {
  return testing::source_dir() / "tests/golden/reward_model" / name;
}

// A JSON [[int]] (equal-length rows) -> [N, T] int64.
at::Tensor int_matrix(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) {
    for (const auto& value : row) flat.push_back(value.get<int64_t>());
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

at::Tensor float_vector(const nlohmann::json& values) {
  return at::tensor(values.get<std::vector<double>>(), at::kDouble);
}

at::Tensor scores_of(RewardModel& model, const at::Tensor& ids, const at::Tensor& mask = {}) {
  at::NoGradGuard no_grad;
  return model->forward(ids, mask);
}

TEST(RewardModel, LastNonPadPositionFollowsTransformersRule) {
  // pad = 0. Rows: right-padded (last real at 1), left-padded (3), unpadded (3), all pad (0,
  // transformers' argmax of zeros), a real pad-id token at the end (counts as padding: 2).
  at::Tensor ids = at::tensor({5,      6, 0, 0, /**/ 0, 0, 5, 6, /**/ 5, 6, 7, 8, /**/ 0, 0, 0, 0,
                               /**/ 4, 0, 9, 0},
                              at::kLong)
                       .view({5, 4});
  at::Tensor positions = last_non_pad_positions(ids, /*pad_token_id=*/0);
  EXPECT_TRUE(at::equal(positions, at::tensor({1, 3, 3, 0, 2}, at::kLong)));
  // No pad id: one row reads its last token; a batch is refused, as transformers does.
  EXPECT_TRUE(at::equal(last_non_pad_positions(ids.narrow(0, 0, 1), std::nullopt),
                        at::tensor({3}, at::kLong)));
  EXPECT_THROW(last_non_pad_positions(ids, std::nullopt), ConfigError);
}

TEST(RewardModel, ScoresMatchTransformersOnRightLeftAndSingleRows) {
  for (const char* name : kGoldenModels) {
    SCOPED_TRACE(name);
    RewardModel model = load_reward_model(golden(name));
    const nlohmann::json fixture = read_json_file(golden(name) / "scores.json");
    const nlohmann::json& batches = fixture.at("batches");
    for (const char* padding : {"right_padded", "left_padded"}) {
      SCOPED_TRACE(padding);
      const nlohmann::json& batch = batches.at(padding);
      at::Tensor ids = int_matrix(batch.at("input_ids"));
      at::Tensor mask = int_matrix(batch.at("attention_mask"));
      at::Tensor expected = float_vector(batch.at("scores"));
      // fp32 on both sides; SDPA kernels and summation order differ (measured ~1e-6).
      EXPECT_LT(testing::max_abs_diff(scores_of(model, ids, mask), expected), 1e-4);
    }
    // Right padding needs no mask: causality alone keeps real tokens from seeing padding.
    const nlohmann::json& right = batches.at("right_padded");
    EXPECT_LT(testing::max_abs_diff(scores_of(model, int_matrix(right.at("input_ids"))),
                                    float_vector(right.at("scores"))),
              1e-4);
    const nlohmann::json& single = batches.at("one_at_a_time");
    for (size_t i = 0; i < single.at("rows").size(); ++i) {
      at::Tensor ids = at::tensor(single.at("rows")[i].get<std::vector<int64_t>>(), at::kLong);
      at::Tensor score = scores_of(model, ids.unsqueeze(0));
      EXPECT_NEAR(score.item<double>(), single.at("scores")[i].get<double>(), 1e-4) << i;
    }
  }
}

// bf16 weights and compute on `device` against transformers' fp32 scores. Measured on CPU:
// r1forge's bf16 scores are off by up to 0.032, transformers' own bf16 scores by up to 0.044
// (scores are O(1); 8-bit mantissa); 0.15 leaves room for another device's kernels.
void expect_bfloat16_close(at::Device device) {
  for (const char* name : kGoldenModels) {
    SCOPED_TRACE(name);
    const nlohmann::json fixture = read_json_file(golden(name) / "scores.json");
    const nlohmann::json& batch = fixture.at("batches").at("left_padded");
    ModelLoadOptions options;
    options.device = device;
    options.dtype = at::kBFloat16;
    RewardModel model = load_reward_model(golden(name), options);
    at::Tensor scores =
        scores_of(model, int_matrix(batch.at("input_ids")), int_matrix(batch.at("attention_mask")));
    EXPECT_EQ(scores.scalar_type(), at::kFloat);
    EXPECT_LT(testing::max_abs_diff(scores.cpu(), float_vector(batch.at("scores"))), 0.15);
  }
}

TEST(RewardModel, Bfloat16ScoresStayNearTransformersFp32) {
  expect_bfloat16_close(at::kCPU);
}

// On a GPU (no-grad RMSNorm takes the fused kernel there): fp32 within 1e-4 of transformers'
// CPU scores, and bf16 as on CPU.
TEST(RewardModel, ScoresOnCudaMatchTransformers_CUDA) {
  R1F_REQUIRE_CUDA();
  for (const char* name : kGoldenModels) {
    SCOPED_TRACE(name);
    const nlohmann::json fixture = read_json_file(golden(name) / "scores.json");
    const nlohmann::json& batch = fixture.at("batches").at("left_padded");
    ModelLoadOptions options;
    options.device = at::kCUDA;
    RewardModel model = load_reward_model(golden(name), options);
    at::Tensor scores =
        scores_of(model, int_matrix(batch.at("input_ids")), int_matrix(batch.at("attention_mask")));
    EXPECT_LT(testing::max_abs_diff(scores.cpu(), float_vector(batch.at("scores"))), 1e-4);
  }
  expect_bfloat16_close(at::kCUDA);
}

TEST(RewardModel, OwnsNoLanguageModelHead) {
  RewardModel model = load_reward_model(golden("tiny_qwen2_rm"));  // untied in config.json
  EXPECT_FALSE(model->config().tie_word_embeddings);
  EXPECT_FALSE(model->body()->lm_head().defined());
  int64_t parameters = 0;
  for (const auto& parameter : model->parameters()) parameters += parameter.numel();
  ModelConfig tied = model->config();
  tied.tie_word_embeddings = true;
  EXPECT_EQ(parameters, parameter_count(tied) + model->config().hidden_size);  // + score [1, E]
}

TEST(RewardModel, SaveLoadRoundTripKeepsTransformersLayout) {
  for (const char* name : kGoldenModels) {
    SCOPED_TRACE(name);
    RewardModel model = load_reward_model(golden(name));
    testing::TempDir dir;
    save_reward_model(model, dir.path());
    // The same tensor names transformers wrote, no lm_head, no generation_config.json.
    std::vector<std::string> expected = safetensors::SafetensorsFolder(golden(name)).names();
    EXPECT_EQ(safetensors::SafetensorsFolder(dir.path()).names(), expected);
    EXPECT_FALSE(fs::exists(dir.path() / "generation_config.json"));
    const nlohmann::json config = read_json_file(dir.path() / "config.json");
    const nlohmann::json original = read_json_file(golden(name) / "config.json");
    EXPECT_EQ(config.at("architectures"), original.at("architectures"));
    EXPECT_EQ(config.at("id2label"), original.at("id2label"));
    EXPECT_EQ(config.at("label2id"), original.at("label2id"));
    EXPECT_EQ(config.at("pad_token_id"), 0);
    EXPECT_EQ(config.at("tie_word_embeddings"), original.at("tie_word_embeddings"));
    RewardModel reloaded = load_reward_model(dir.path());
    at::Tensor ids = int_matrix(
        read_json_file(golden(name) / "scores.json")["batches"]["left_padded"]["input_ids"]);
    at::Tensor mask = ids.ne(0);
    EXPECT_TRUE(at::equal(scores_of(model, ids, mask), scores_of(reloaded, ids, mask)));
  }
}

TEST(RewardModel, StartsFromCausalLanguageModel) {
  const fs::path causal = testing::source_dir() / "tests/golden/tiny_qwen2";  // untied, pad null
  RewardModelInitOptions init;
  init.seed = 3;
  init.pad_token_id = 0;
  RewardModel model = reward_model_from_causal_lm(causal, init);
  EXPECT_EQ(model->config().pad_token_id, 0);
  // Body weights are the causal LM's; its lm_head is not carried.
  Transformer lm = load_model(causal);
  auto body = reward_model_named_tensors(model);
  auto lm_tensors = hf_named_tensors(lm);
  ASSERT_EQ(body.size(), lm_tensors.size());  // lm_head.weight dropped, score.weight added
  for (size_t i = 0; i + 1 < body.size(); ++i) {
    EXPECT_EQ(body[i].first, lm_tensors[i].first);
    EXPECT_TRUE(at::equal(body[i].second, lm_tensors[i].second)) << body[i].first;
  }
  EXPECT_EQ(lm_tensors.back().first, "lm_head.weight");
  EXPECT_EQ(body.back().first, "score.weight");
  // The head: normal(0, initializer_range = 0.02), reproducible per seed.
  at::Tensor score = model->score();
  EXPECT_EQ(score.sizes(), (std::vector<int64_t>{1, 32}));
  EXPECT_GT(score.std().item<double>(), 0.01);
  EXPECT_LT(score.std().item<double>(), 0.04);
  EXPECT_TRUE(at::equal(reward_model_from_causal_lm(causal, init)->score(), score));
  init.seed = 4;
  EXPECT_FALSE(at::equal(reward_model_from_causal_lm(causal, init)->score(), score));
  // Without a pad id a batch has no score position and the folder could not be saved.
  RewardModel no_pad = reward_model_from_causal_lm(causal);
  EXPECT_THROW(scores_of(no_pad, at::ones({2, 3}, at::kLong)), ConfigError);
  testing::TempDir dir;
  EXPECT_THROW(save_reward_model(no_pad, dir.path()), ConfigError);
}

TEST(RewardModel, GradientsReachEveryParameter) {
  RewardModel model = load_reward_model(golden("tiny_llama_rm"));
  at::Tensor ids = at::tensor({0, 0, 7, 9, /**/ 3, 4, 5, 6}, at::kLong).view({2, 4});
  model->forward(ids, ids.ne(0)).sum().backward();
  for (const auto& [name, gradient] : reward_model_named_tensors(model, /*gradients=*/true)) {
    EXPECT_TRUE(gradient.isfinite().all().item<bool>()) << name;
    EXPECT_GT(gradient.abs().sum().item<double>(), 0.0) << name;
  }
}

TEST(RewardModel, RejectsMismatchedFoldersAndMasks) {
  // A causal LM is not a reward model folder: the message says how to start from one.
  EXPECT_FALSE(is_reward_model_folder(testing::source_dir() / "tests/golden/tiny_qwen2"));
  EXPECT_TRUE(is_reward_model_folder(golden("tiny_qwen2_rm")));
  try {
    load_reward_model(testing::source_dir() / "tests/golden/tiny_qwen2");
    ADD_FAILURE() << "loaded a causal LM as a reward model";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("reward_model_from_causal_lm"), std::string::npos);
  }
  EXPECT_THROW(reward_model_from_causal_lm(golden("tiny_qwen2_rm")), ConfigError);

  testing::TempDir dir;
  for (const auto& entry : fs::directory_iterator(golden("tiny_qwen2_rm"))) {
    fs::copy_file(entry.path(), dir.path() / entry.path().filename());
  }
  nlohmann::json config = read_json_file(dir.path() / "config.json");
  config["id2label"] = {{"0", "bad"}, {"1", "good"}};
  atomic_write_file(dir.path() / "config.json", config.dump());
  try {
    load_reward_model(dir.path());
    ADD_FAILURE() << "loaded a two-label classifier";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("config.json"), std::string::npos);
  }
  // Without score.weight: a DataError naming the weights file.
  config["id2label"] = {{"0", "LABEL_0"}};
  atomic_write_file(dir.path() / "config.json", config.dump());
  RewardModel model = load_reward_model(golden("tiny_qwen2_rm"));
  auto tensors = reward_model_named_tensors(model);
  tensors.pop_back();
  for (auto& [name, tensor] : tensors) tensor = tensor.detach().contiguous();
  safetensors::save_folder(dir.path(), tensors);
  EXPECT_THROW(load_reward_model(dir.path()), DataError);

  // A row padded with another id than the config's pad: the score would sit on padding.
  at::Tensor ids = at::tensor({5, 6, 9, 9}, at::kLong).view({1, 4});
  at::Tensor mask = at::tensor({1, 1, 0, 0}, at::kLong).view({1, 4});
  EXPECT_THROW(scores_of(model, ids, mask), DataError);
}

}  // namespace
}  // namespace r1forge
