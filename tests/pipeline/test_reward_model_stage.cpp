// The reward_model stage: batches laid out by hand, gradient accumulation equal to the whole
// step, a trivially learnable preference set (chosen always ends in "yes", rejected in "no")
// learnt to >= 90% held-out pair accuracy with final/ loading as a reward model that scores as
// the summary says, a killed run resuming bit for bit, and the config rules (a policy stage may
// not start from a reward model; settings that would be ignored are errors).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/pipeline/reward_model_trainer.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/runner.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

TEST(PreferenceBatchTest, ChosenRowsFirstThenRejectedRightPadded) {
  std::vector<PreferencePair> pairs(2);
  pairs[0].chosen_ids = {5, 6, 7};
  pairs[0].rejected_ids = {5, 8};
  pairs[0].margin = 0.5;
  pairs[1].chosen_ids = {9};
  pairs[1].rejected_ids = {9, 10, 11, 12};
  const PreferenceBatch batch = make_preference_batch(pairs, {1, 0}, /*pad_id=*/2);
  EXPECT_EQ(batch.pairs, 2);
  EXPECT_EQ(batch.tokens, 3 + 2 + 1 + 4);
  // Rows: chosen of pair 1, chosen of pair 0, rejected of pair 1, rejected of pair 0; T = 4.
  const at::Tensor ids = at::tensor({9, 2, 2, 2, 5, 6, 7, 2, 9, 10, 11, 12, 5, 8, 2, 2}, at::kLong);
  EXPECT_TRUE(at::equal(batch.input_ids, ids.view({4, 4})));
  const at::Tensor mask = at::tensor({1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0}, at::kLong);
  EXPECT_TRUE(at::equal(batch.attention_mask, mask.view({4, 4})));
  EXPECT_TRUE(at::equal(batch.margins, at::tensor({0.0f, 0.5f})));
}

class RewardModelStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model");
    // 40 pairs: the same prompt and body, chosen ends in "yes", rejected in "no".
    std::ofstream rows(dir_ / "prefs.jsonl");
    const char* words[] = {"one", "two", "three", "four", "five"};
    for (int i = 0; i < 40; ++i) {
      const std::string body = std::string(words[i % 5]) + " and " + words[(i / 5) % 5];
      rows << nlohmann::json{{"prompt", "add " + body},
                             {"chosen", "the sum of " + body + " yes"},
                             {"rejected", "the sum of " + body + " no"}}
                  .dump()
           << "\n";
    }
  }
  Config config(const std::string& extra, const std::string& stages_after = "") {
    return load_config_text("run: {dir: " + (dir_ / "run").string() + ", seed: 3, threads: 2}\n" +
                                "model: {init: " + (dir_ / "model").string() + "}\n" +
                                "stages:\n  - name: rm\n    type: reward_model\n    reward_model:\n"
                                "      data: {path: " +
                                (dir_ / "prefs.jsonl").string() + ", prompt_template: plain}\n" +
                                extra + stages_after,
                            "rm.yaml");
  }
  fs::path stage_dir() const { return dir_ / "run" / "stages" / "01-rm"; }
  std::vector<nlohmann::json> metrics() {
    return testing::read_jsonl(stage_dir() / "metrics.jsonl");
  }
  testing::TempDir dir_;
};

TEST_F(RewardModelStageTest, LearnsALearnablePreferenceAndFinalLoadsAsARewardModel) {
  Config c = config(
      "      eval_fraction: 0.25\n      num_epochs: 4\n      batch_size: 6\n"
      "      micro_batch_size: 3\n      eval_steps: 5\n      optimizer: {learning_rate: 0.003}\n");
  run_pipeline(c, "rm.yaml");  // as r1forge run: the stage recorded, the report written
  const auto lines = metrics();
  // 30 training pairs (10 held out) in steps of 6: 5 a epoch, 4 epochs.
  ASSERT_EQ(lines.size(), 20u);
  for (const char* key : {"loss", "accuracy", "margin", "chosen_reward", "rejected_reward",
                          "grad_norm", "learning_rate", "tokens_per_second", "epoch"}) {
    EXPECT_TRUE(lines.back().contains(key)) << key;
  }
  EXPECT_TRUE(lines[4].contains("eval/accuracy"));  // step 5
  EXPECT_FALSE(lines[5].contains("eval/accuracy"));
  EXPECT_DOUBLE_EQ(lines.back()["epoch"].get<double>(), 4.0);
  const nlohmann::json summary = read_json_file(stage_dir() / "reward_model.json");
  EXPECT_EQ(summary["held_out_pairs"], 10);
  EXPECT_EQ(summary["train_pairs"], 30);
  const double accuracy = summary["held_out_accuracy"].get<double>();
  EXPECT_GE(accuracy, 0.9);
  EXPECT_EQ(accuracy, lines.back()["eval/accuracy"].get<double>());

  // final/ is an HF reward model with the tokenizer; scored again, the held-out pairs (the
  // file's last 10) give the summary's accuracy.
  const fs::path final_dir = stage_dir() / "final";
  ASSERT_TRUE(is_reward_model_folder(final_dir));
  EXPECT_TRUE(fs::exists(final_dir / "tokenizer.model"));
  RewardModel loaded = load_reward_model(final_dir);
  auto tokenizer = load_tokenizer(final_dir);
  PreferenceDataConfig data = c.stages[0].reward_model->data;
  PreferenceDataset all = load_preference_dataset(data, *tokenizer);
  std::vector<int64_t> held_out;
  for (int64_t i = 30; i < 40; ++i) held_out.push_back(i);
  at::NoGradGuard no_grad;
  const PreferenceBatch batch =
      make_preference_batch(all.pairs, held_out, *loaded->config().pad_token_id);
  const BradleyTerryResult result = preference_loss(loaded, batch, {});
  EXPECT_DOUBLE_EQ(result.accuracy, accuracy);

  // The run report names it.
  EXPECT_NE(read_file(dir_ / "run" / "report.md").find("reward model `rm`: held-out pair"),
            std::string::npos);
}

// An evaluation scored by the trained reward model (`@rm`): eval.json holds its mean score, and
// the run report lists it beside the correctness and format figures.
TEST_F(RewardModelStageTest, AnEvaluationScoredByTheRewardModelIsInTheReport) {
  const std::string judge =
      "  - name: judge\n    type: eval\n    eval:\n      data: {path: " +
      (dir_ / "prefs.jsonl").string() +
      ", prompt_template: plain}\n"
      "      num_samples: 2\n      max_completion_length: 4\n      max_problems: 3\n"
      "      rewards: [{name: reward_model, label: judge_score, options: {path: '@rm'}},\n"
      "                {name: format}]\n      correct_reward: format\n";
  Config c = config("      max_steps: 1\n", judge);
  run_pipeline(c, "rm.yaml");
  const nlohmann::json eval = read_json_file(dir_ / "run" / "stages" / "02-judge" / "eval.json");
  ASSERT_TRUE(eval["rewards"]["judge_score"].is_number()) << eval.dump();
  char expected[64];
  std::snprintf(expected, sizeof expected, "- `judge` mean reward scores: judge_score %.3f\n",
                eval["rewards"]["judge_score"].get<double>());
  const std::string report = read_file(dir_ / "run" / "report.md");
  EXPECT_NE(report.find(expected), std::string::npos) << report;
}

TEST_F(RewardModelStageTest, AccumulationEqualsTheFullBatchStep) {
  auto weights_after = [&](int64_t micro) {
    run_stage(config("      max_steps: 1\n      batch_size: 4\n      micro_batch_size: " +
                     std::to_string(micro) + "\n      optimizer: {learning_rate: 0.01}\n"),
              "rm");
    RewardModel model = load_reward_model(stage_dir() / "final");
    return reward_model_named_tensors(model);
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

TEST_F(RewardModelStageTest, AResumedStageEndsBitForBitAsAnUninterruptedOne) {
  // 5 steps of 4 pairs, checkpoints at 2, 4 and 5; held-out accuracy at 2, 4 and 5.
  Config c = config(
      "      max_steps: 5\n      batch_size: 4\n      micro_batch_size: 2\n"
      "      eval_fraction: 0.2\n      eval_steps: 2\n      save_steps: 2\n"
      "      save_total_limit: 0\n      optimizer: {learning_rate: 0.003}\n");
  run_stage(c, "rm");
  const auto first = metrics();
  ASSERT_EQ(first.size(), 5u);
  const std::string final_weights = read_file(stage_dir() / "final" / "model.safetensors");
  const std::string summary = read_file(stage_dir() / "reward_model.json");
  EXPECT_TRUE(fs::exists(stage_dir() / "checkpoints" / "step-0000004" / "optimizer.safetensors"));
  EXPECT_TRUE(is_reward_model_folder(stage_dir() / "checkpoints" / "step-0000004"));
  // As if killed during step 5.
  fs::remove_all(stage_dir() / "final");
  fs::remove_all(stage_dir() / "checkpoints" / "step-0000005");
  std::ofstream(stage_dir() / "metrics.jsonl", std::ios::app) << "{\"step\": 5, \"lo";
  run_stage(c, "rm");
  const auto resumed = metrics();
  ASSERT_EQ(resumed.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(without_timings(resumed[i]), without_timings(first[i])) << i;
  }
  EXPECT_EQ(read_file(stage_dir() / "final" / "model.safetensors"), final_weights);
  EXPECT_EQ(read_file(stage_dir() / "reward_model.json"), summary);
  // Resumed after its last step (final/ lost): the same model and summary, no step retrained.
  fs::remove_all(stage_dir() / "final");
  run_stage(c, "rm");
  EXPECT_EQ(metrics().size(), 5u);
  EXPECT_EQ(read_file(stage_dir() / "final" / "model.safetensors"), final_weights);
  EXPECT_EQ(read_file(stage_dir() / "reward_model.json"), summary);
}

TEST_F(RewardModelStageTest, AStageContinuesFromAnEarlierRewardModel) {
  const std::string second =
      "  - name: more\n    type: reward_model\n    init: rm\n    reward_model:\n"
      "      data: {path: " +
      (dir_ / "prefs.jsonl").string() + ", prompt_template: plain}\n      max_steps: 1\n";
  Config c = config("      max_steps: 1\n", second);
  run_stage(c, "rm");
  run_stage(c, "more");
  RewardModel first = load_reward_model(stage_dir() / "final");
  RewardModel more = load_reward_model(dir_ / "run" / "stages" / "02-more" / "final");
  // Trained one more step from rm's weights (its score head included, not a fresh one).
  const at::Tensor moved = (more->score() - first->score()).abs().max();
  EXPECT_GT(moved.item<float>(), 0.0f);
  EXPECT_LT(moved.item<float>(), 1e-3f);  // one AdamW step of lr 1e-4
}

TEST_F(RewardModelStageTest, ConfigRulesAreClearErrors) {
  auto error_of = [&](const std::string& extra, const std::string& after = "") {
    try {
      resolve_stage_references(config(extra, after), "rm.yaml", /*check_inputs_exist=*/false);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  // A policy stage cannot start from a reward model (no LM head to generate with).
  const std::string grpo =
      "  - name: rl\n    type: grpo\n    init: rm\n    grpo:\n      data: {path: " +
      (dir_ / "prefs.jsonl").string() + "}\n      rewards: [{name: format}]\n";
  std::string message = error_of("", grpo);
  EXPECT_NE(message.find("stages.1 (rl).init names stage 'rm' of type reward_model"),
            std::string::npos)
      << message;
  const std::string distill = "  - name: dist\n    type: distill\n    sft: {data: {path: " +
                              (dir_ / "prefs.jsonl").string() + "}}\n    distill: {teacher: rm}\n";
  message = error_of("", distill);
  EXPECT_NE(message.find("distill.teacher names stage 'rm'"), std::string::npos) << message;
  // Settings that would be ignored.
  message = error_of("      eval_data: {chosen_field: good}\n");
  EXPECT_NE(message.find("reward_model.eval_data.chosen_field is set but eval_data.path is empty"),
            std::string::npos)
      << message;
  message = error_of("      eval_fraction: 0.5\n      eval_data: {path: x.jsonl}\n");
  EXPECT_NE(message.find("reward_model.eval_fraction"), std::string::npos) << message;
  message = error_of("    eval: {data: {path: x.jsonl}}\n");
  EXPECT_NE(message.find("a reward model does not generate"), std::string::npos) << message;
  message = error_of("    architecture: {hidden_size: 32}\n");
  EXPECT_NE(message.find("a reward model starts from a model folder"), std::string::npos)
      << message;
  EXPECT_THROW(load_config_text("stages:\n  - {name: rm, type: reward_model}\n", "x.yaml"),
               ConfigError);
}

}  // namespace
}  // namespace r1forge
