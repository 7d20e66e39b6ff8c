// SFT data and loss: completion-only masking (prompt tokens get no gradient), first-fit-
// decreasing packing, packed loss and gradients equal to unpacked, gradient accumulation equal
// to the full step, and a short sft and pretrain run whose loss falls and whose final/ loads.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/sha256.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/safetensors.h"
#include "r1forge/pipeline/checkpoint.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/sft_trainer.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {
namespace {

SftExample example(std::vector<int64_t> ids, int64_t prompt_length) {
  SftExample e;
  e.ids = std::move(ids);
  e.prompt_length = prompt_length;
  return e;
}

Transformer tiny_model(int64_t vocab, uint64_t seed) {
  ModelConfig config = model_preset("tiny-qwen2");
  config.vocab_size = vocab;
  Transformer model(config, /*initialize=*/false);
  model->init_weights(seed);
  return model;
}

TEST(SftBatchTest, CompletionOnlyMaskCountsOnlyCompletionTargets) {
  // ids 5 6 7 | 8 9 (prompt of 3): positions 2, 3 predict 8, 9; positions 0, 1 predict
  // prompt tokens 6, 7 (masked); position 4 has no next token.
  std::vector<SftExample> examples = {example({5, 6, 7, 8, 9}, 3)};
  SftBatch batch = make_sft_batch(examples, {{0}}, /*pad_id=*/0, true, false);
  EXPECT_EQ(batch.target_tokens, 2);
  std::vector<bool> expected = {false, false, true, true, false};
  for (int64_t t = 0; t < 5; ++t) EXPECT_EQ(batch.loss_mask[0][t].item<bool>(), expected[t]) << t;
  EXPECT_EQ(batch.targets[0][2].item<int64_t>(), 8);
  EXPECT_EQ(batch.targets[0][3].item<int64_t>(), 9);
  // Without completion_only every next token counts: 4 targets.
  EXPECT_EQ(make_sft_batch(examples, {{0}}, 0, false, false).target_tokens, 4);
}

TEST(SftBatchTest, PromptPositionsGetNoGradient) {
  Transformer model = tiny_model(32, 3);
  std::vector<SftExample> examples = {example({1, 4, 5, 6, 7, 8, 9, 10}, 4)};
  SftBatch batch = make_sft_batch(examples, {{0}}, 0, true, false);
  SftForward forward = sft_forward(model, batch, 3);
  forward.hidden.retain_grad();
  forward.nll_sum.backward();
  at::Tensor grad = forward.hidden.grad()[0].abs().sum(-1);  // [T]
  // Positions 0..2 predict prompt tokens 4, 5, 6: their hidden states feed no counted loss
  // term directly; causality means only later positions' losses could reach them through
  // attention, and those run forward, so the last-layer hidden state of 0..2 gets zero.
  for (int64_t t = 0; t < 3; ++t) EXPECT_EQ(grad[t].item<float>(), 0.0f) << t;
  for (int64_t t = 3; t < 7; ++t) EXPECT_GT(grad[t].item<float>(), 0.0f) << t;
  EXPECT_EQ(grad[7].item<float>(), 0.0f);  // the last token predicts nothing
}

TEST(SftPackingTest, FirstFitDecreasingPlacesByHand) {
  // Capacity 10, lengths 6 5 4 3 2 (already decreasing): 6 -> bin 0 (4 left); 5 -> bin 1
  // (5 left); 4 -> bin 0 (0 left); 3 -> bin 1 (2 left); 2 -> bin 1 (0 left).
  std::vector<SftExample> examples;
  for (int64_t length : {6, 5, 4, 3, 2}) {
    examples.push_back(example(std::vector<int64_t>(length, 1), 1));
  }
  auto bins = pack_first_fit_decreasing(examples, 10);
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0], (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(bins[1], (std::vector<int64_t>{1, 3, 4}));
  // Order of the input does not matter beyond ties: reversed input, same bins by index.
  EXPECT_THROW(pack_first_fit_decreasing(examples, 5), Error);
}

TEST(SftPackingTest, PackedLossAndGradientsEqualUnpacked) {
  Transformer model = tiny_model(40, 9);
  std::vector<SftExample> examples = {
      example({1, 7, 8, 9, 10, 11, 12}, 3), example({1, 20, 21, 22, 23}, 2),
      example({1, 30, 31, 32, 33, 34, 35, 36, 37}, 4), example({1, 5, 6}, 1)};
  auto loss_and_grads = [&](const SftBatch& batch) {
    for (auto& p : model->parameters()) p.mutable_grad() = at::Tensor();
    SftForward forward = sft_forward(model, batch, 5);
    at::Tensor loss = forward.nll_sum / static_cast<double>(batch.target_tokens);
    loss.backward();
    std::vector<at::Tensor> grads;
    for (auto& p : model->parameters()) grads.push_back(p.grad().clone());
    return std::make_pair(loss.item<double>(), grads);
  };
  SftBatch unpacked = make_sft_batch(examples, {{0}, {1}, {2}, {3}}, 0, true, false);
  auto bins = pack_first_fit_decreasing(examples, 12);
  ASSERT_LT(bins.size(), examples.size());  // something really was packed together
  SftBatch packed = make_sft_batch(examples, bins, 0, true, true);
  ASSERT_EQ(packed.target_tokens, unpacked.target_tokens);
  auto [unpacked_loss, unpacked_grads] = loss_and_grads(unpacked);
  auto [packed_loss, packed_grads] = loss_and_grads(packed);
  EXPECT_NEAR(packed_loss, unpacked_loss, 1e-5);
  for (size_t i = 0; i < packed_grads.size(); ++i) {
    EXPECT_LT((packed_grads[i] - unpacked_grads[i]).abs().max().item<float>(), 2e-5) << i;
  }
  // Without the segment mask the packed examples would see each other: a different loss.
  SftBatch leaky = packed;
  leaky.segment_ids = at::Tensor();
  EXPECT_GT(std::abs(loss_and_grads(leaky).first - unpacked_loss), 1e-4);
}

class SftStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/5);
    testing::write_tiny_traces(dir_ / "sft.jsonl");
    std::ofstream text(dir_ / "text.jsonl");
    for (int i = 0; i < 6; ++i)
      text << nlohmann::json{{"text", "the quick brown fox"}}.dump() << "\n";
  }
  Config config(const std::string& type, const std::string& data, const std::string& extra) {
    return load_config_text("run: {dir: " + (dir_ / "run").string() + ", seed: 3, threads: 2}\n" +
                                "model: {init: " + (dir_ / "model").string() + "}\n" +
                                "stages:\n  - name: tune\n    type: " + type +
                                "\n    sft:\n      data: {path: " + (dir_ / data).string() +
                                ", prompt_template: plain}\n" + extra,
                            "sft.yaml");
  }
  std::vector<nlohmann::json> metrics() {
    return testing::read_jsonl(dir_ / "run" / "stages" / "01-tune" / "metrics.jsonl");
  }
  testing::TempDir dir_;
};

TEST_F(SftStageTest, LossFallsAndFinalModelLoads) {
  run_stage(config("sft", "sft.jsonl",
                   "      max_steps: 30\n      batch_size: 1\n      micro_batch_size: 1\n"
                   "      packing: true\n      optimizer: {learning_rate: 0.003}\n"),
            "tune");
  auto lines = metrics();
  ASSERT_EQ(lines.size(), 30u);
  const double first = lines.front()["loss"].get<double>();
  const double last = lines.back()["loss"].get<double>();
  EXPECT_LT(last, 0.5 * first) << first << " -> " << last;
  for (const char* key : {"loss", "grad_norm", "learning_rate", "epoch", "num_tokens"}) {
    EXPECT_TRUE(lines.back().contains(key)) << key;
  }
  // All 4 examples (81 tokens) pack into one row of max_length 1024: one row per epoch.
  EXPECT_DOUBLE_EQ(lines.back()["epoch"].get<double>(), 30.0);
  EXPECT_EQ(lines.back()["target_tokens"].get<double>(),
            lines.front()["target_tokens"].get<double>());
  const auto final_dir = dir_ / "run" / "stages" / "01-tune" / "final";
  EXPECT_TRUE(std::filesystem::exists(final_dir / "tokenizer.model"));
  Transformer loaded = load_model(final_dir);
  EXPECT_EQ(loaded->config().vocab_size, 300);
}

TEST_F(SftStageTest, PretrainCountsEveryTokenAndHoldsOutRows) {
  run_stage(config("pretrain", "text.jsonl",
                   "      num_epochs: 2\n      batch_size: 2\n      micro_batch_size: 1\n"
                   "      eval_fraction: 0.34\n      optimizer: {learning_rate: 0.003}\n"),
            "tune");
  auto lines = metrics();
  // 6 rows, 2 held out (0.34 x 6 = 2.04 -> 2): 4 training rows, 2 per step, 2 epochs = 4 steps.
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines.back().contains("eval/loss"));
  EXPECT_LT(lines.back()["eval/loss"].get<double>(), lines.front()["loss"].get<double>());
}

TEST_F(SftStageTest, AccumulationEqualsTheFullBatchStep) {
  // One optimizer step over 4 rows, in one micro-batch or four: the same updated weights.
  auto weights_after = [&](int64_t micro) {
    Config c = config("sft", "sft.jsonl",
                      "      max_steps: 1\n      batch_size: 4\n      micro_batch_size: " +
                          std::to_string(micro) + "\n      optimizer: {learning_rate: 0.01}\n");
    run_stage(c, "tune");
    Transformer model = load_model(dir_ / "run/stages/01-tune/final");
    return hf_named_tensors(model);
  };
  auto whole = weights_after(4);
  auto split = weights_after(1);
  ASSERT_EQ(whole.size(), split.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    // Adam's first step is lr * g / (|g| + eps) ~ lr * sign(g): fp32 summation-order noise
    // shows only where |g| is near eps, so the bound is 0.1% of the lr.
    EXPECT_LT((whole[i].second - split[i].second).abs().max().item<float>(), 1e-5)
        << whole[i].first;
  }
}

// metrics.jsonl lines without the wall-clock values, which no two runs share.
nlohmann::json without_timings(nlohmann::json line) {
  for (const char* key : {"time/step", "tokens_per_second", "mfu"}) line.erase(key);
  return line;
}

TEST_F(SftStageTest, AResumedStageEndsBitForBitAsAnUninterruptedOne) {
  // 5 steps of 2 rows over 6 rows (3 steps an epoch): checkpoints at 2, 4 and the end (5).
  Config c = config("sft", "sft.jsonl",
                    "      max_steps: 5\n      batch_size: 2\n      save_steps: 2\n"
                    "      save_total_limit: 0\n      optimizer: {learning_rate: 0.003, "
                    "schedule: {lr_scheduler_type: cosine}}\n");
  run_stage(c, "tune");
  const auto stage_dir = dir_ / "run" / "stages" / "01-tune";
  auto first = metrics();
  ASSERT_EQ(first.size(), 5u);
  const std::string final_weights = read_file(stage_dir / "final" / "model.safetensors");
  for (const char* step : {"step-0000002", "step-0000004", "step-0000005"}) {
    EXPECT_EQ(verify_checkpoint(stage_dir / "checkpoints" / step), "") << step;
  }
  for (const char* file : {"optimizer.safetensors", "rng.safetensors", "trainer_state.json",
                           "stage_config.yaml", "config.json", "tokenizer.model"}) {
    EXPECT_TRUE(std::filesystem::exists(stage_dir / "checkpoints" / "step-0000004" / file)) << file;
  }
  // As if killed during step 5: its checkpoint, its final model and most of its line never
  // existed (a torn line at the end).
  std::filesystem::remove_all(stage_dir / "final");
  std::filesystem::remove_all(stage_dir / "checkpoints" / "step-0000005");
  std::ofstream(stage_dir / "metrics.jsonl", std::ios::app) << "{\"step\": 5, \"lo";
  run_stage(c, "tune");
  auto resumed = metrics();
  ASSERT_EQ(resumed.size(), 5u);  // steps 1-4 kept, step 5 trained again, nothing doubled
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(without_timings(resumed[i]), without_timings(first[i])) << i;
  }
  EXPECT_EQ(read_file(stage_dir / "final" / "model.safetensors"), final_weights);

  // Without the optimizer state (the old model-only snapshot) step 5 would differ: this test
  // can fail. Resume from step 4 with its AdamW moments zeroed.
  std::filesystem::remove_all(stage_dir / "final");
  std::filesystem::remove_all(stage_dir / "checkpoints" / "step-0000005");
  const auto step4 = stage_dir / "checkpoints" / "step-0000004";
  {
    safetensors::SafetensorsFile file(step4 / "optimizer.safetensors");
    std::vector<std::pair<std::string, at::Tensor>> zeroed;
    for (const auto& name : file.names()) {
      at::Tensor tensor = file.tensor(name);
      zeroed.emplace_back(name, name.rfind("step/", 0) == 0 ? tensor : at::zeros_like(tensor));
    }
    std::filesystem::path copy = dir_ / "zeroed.safetensors";
    safetensors::save_file(copy, zeroed);
    std::filesystem::copy_file(copy, step4 / "optimizer.safetensors",
                               std::filesystem::copy_options::overwrite_existing);
  }
  // Re-seal the manifest, else the edit is (rightly) caught as damage.
  nlohmann::json manifest = nlohmann::json::parse(read_file(step4 / "manifest.json"));
  manifest["files"]["optimizer.safetensors"] = {
      {"bytes", std::filesystem::file_size(step4 / "optimizer.safetensors")},
      {"sha256", sha256_file(step4 / "optimizer.safetensors")}};
  atomic_write_file(step4 / "manifest.json", manifest.dump());
  ASSERT_EQ(verify_checkpoint(step4), "");
  run_stage(c, "tune");
  EXPECT_NE(read_file(stage_dir / "final" / "model.safetensors"), final_weights);
}

TEST_F(SftStageTest, BadInputIsAClearError) {
  std::ofstream(dir_ / "bad.jsonl") << "{\"prompt\": \"x\"}\n";
  try {
    run_stage(config("sft", "bad.jsonl", "      max_steps: 1\n"), "tune");
    FAIL() << "expected a DataError";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("bad.jsonl:1"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("completion"), std::string::npos) << error.what();
  }
  EXPECT_THROW(load_config_text("stages:\n  - {name: x, type: sft}\n", "x.yaml"), ConfigError);
}

}  // namespace
}  // namespace r1forge
