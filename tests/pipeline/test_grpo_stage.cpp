// The GRPO stage end to end on CPU: a toy task whose reward (the rate of one target token in
// the completion) a random tiny model can learn within 30 steps; the metric trend must rise.
// Also the stage's files (metrics.jsonl with TRL names, samples.jsonl, final/ loadable) and
// the config validation that runs before anything trains.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/pipeline/checkpoint.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/rl/reward.h"

namespace r1forge {
namespace {

// Share of the completion's tokens that are the `<answer>` tag (one token in the fixture's
// tokenizer), estimated from the text: occurrences / completion tokens.
class TargetTokenRate : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    for (const auto& sample : batch) {
      int64_t count = 0;
      for (size_t at = sample.completion.find("<answer>"); at != std::string_view::npos;
           at = sample.completion.find("<answer>", at + 1)) {
        ++count;
      }
      scores.push_back(
          sample.completion_tokens ? static_cast<double>(count) / sample.completion_tokens : 0.0);
    }
    return scores;
  }
};

// A score that differs between almost any two completions (a hash of the text mapped to
// [0, 1)), so every group has reward variance: for tests of the update plumbing.
class TextHash : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    for (const auto& sample : batch) {
      scores.push_back(
          static_cast<double>(std::hash<std::string_view>{}(sample.completion) % 1000) / 1000.0);
    }
    return scores;
  }
};

void register_test_rewards() {
  register_reward("test_target_rate", "test only: rate of the <answer> token",
                  [](RewardOptions&) { return std::make_unique<TargetTokenRate>(); });
  register_reward("test_text_hash", "test only: a hash of the completion in [0, 1)",
                  [](RewardOptions&) { return std::make_unique<TextHash>(); });
}

using testing::read_jsonl;

class GrpoStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_rewards();
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/11);
    std::ofstream prompts(dir_ / "prompts.jsonl");
    for (const char* text : {"the quick brown fox", "we add two numbers", "check the result",
                             "let's think step by step", "the lazy dog", "first then sum"}) {
      prompts << nlohmann::json{{"prompt", text}}.dump() << "\n";
    }
  }
  // The run, the toy model and a grpo stage named toy, up to its `grpo:` line.
  std::string stage_head() const {
    return "run: {dir: " + (dir_ / "run").string() + ", seed: 5, threads: 2}\n" +
           "model: {init: " + (dir_ / "model").string() + "}\n" +
           "stages:\n"
           "  - name: toy\n"
           "    type: grpo\n"
           "    grpo:\n";
  }
  std::string config_text(const std::string& grpo_extra,
                          const std::string& rewards = "[{name: test_target_rate}]") {
    return stage_head() + "      data: {path: " + (dir_ / "prompts.jsonl").string() +
           ", prompt_template: plain}\n"
           "      rewards: " +
           rewards + "\n" + grpo_extra;
  }
  // A stage whose prompts are two sources: `reason` (prompts.jsonl, scored by test_target_rate,
  // weight `reason_weight`) and `chat` (chat.jsonl made of `chat_prompts`, scored by
  // `chat_rewards`, weight 1).
  std::string mixed_config_text(const std::vector<std::string>& chat_prompts,
                                const std::string& chat_rewards,
                                const std::string& reason_weight,
                                const std::string& grpo_extra) {
    std::ofstream chat(dir_ / "chat.jsonl");
    for (const std::string& text : chat_prompts) {
      chat << nlohmann::json{{"prompt", text}}.dump() << "\n";
    }
    return stage_head() +
           "      sources:\n"
           "        - {name: reason, weight: " +
           reason_weight + ", rewards: [{name: test_target_rate}],\n" +
           "           data: {path: " + (dir_ / "prompts.jsonl").string() +
           ", prompt_template: plain}}\n"
           "        - {name: chat, weight: 1, rewards: " +
           chat_rewards + ",\n" + "           data: {path: " + (dir_ / "chat.jsonl").string() +
           ", prompt_template: plain}}\n" + grpo_extra;
  }
  // dir_/rm: a reward model made from the toy policy (a seeded score head), with its tokenizer.
  void save_toy_reward_model() {
    RewardModelInitOptions init;
    init.seed = 4;
    init.pad_token_id = 0;
    RewardModel reward_model = reward_model_from_causal_lm(dir_ / "model", init);
    save_reward_model(reward_model, dir_ / "rm");
    std::filesystem::copy_file(dir_ / "model" / "tokenizer.model", dir_ / "rm" / "tokenizer.model");
  }
  testing::TempDir dir_;
};

TEST_F(GrpoStageTest, ToyRewardRisesOverThirtySteps) {
  const std::string extra =
      "      max_steps: 30\n"
      "      prompts_per_step: 4\n"
      "      num_generations: 8\n"
      "      max_completion_length: 8\n"
      "      micro_batch_size: 16\n"
      "      log_completions: 2\n"
      "      optimizer: {learning_rate: 0.003}\n";
  Config config = load_config_text(config_text(extra), "toy.yaml");
  run_stage(config, "toy");
  const auto stage_dir = dir_ / "run" / "stages" / "01-toy";
  std::vector<nlohmann::json> lines = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 30u);
  for (const char* key :
       {"reward", "reward_std", "rewards/test_target_rate/mean", "frac_reward_zero_std",
        "completions/mean_length", "completions/clipped_ratio", "clip_ratio/region_mean", "entropy",
        "learning_rate", "grad_norm", "tokens_per_second", "time/rollout", "time/reward",
        "time/logprobs", "time/update"}) {
    EXPECT_TRUE(lines[0].contains(key)) << key;
  }
  EXPECT_FALSE(lines[0].contains("kl"));  // beta = 0: no reference model, no KL
  auto mean_reward = [&](size_t from, size_t to) {
    double sum = 0;
    for (size_t i = from; i < to; ++i) sum += lines[i]["reward"].get<double>();
    return sum / static_cast<double>(to - from);
  };
  const double early = mean_reward(0, 5), late = mean_reward(25, 30);
  EXPECT_GT(late, early + 0.15) << "early " << early << " late " << late;
  EXPECT_EQ(read_jsonl(stage_dir / "samples.jsonl").size(), 60u);
  Transformer final_model = load_model(stage_dir / "final");
  EXPECT_EQ(final_model->config().vocab_size, 300);
  EXPECT_TRUE(std::filesystem::exists(stage_dir / "final" / "tokenizer.model"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "run" / "config.resolved.yaml"));
}

TEST_F(GrpoStageTest, KlReferenceDynamicSamplingAndMiniBatchesRun) {
  const std::string extra =
      "      max_steps: 3\n"
      "      prompts_per_step: 2\n"
      "      num_generations: 4\n"
      "      max_completion_length: 6\n"
      "      mini_batch_size: 4\n"
      "      micro_batch_size: 2\n"
      "      num_iterations: 2\n"
      "      beta: 0.04\n"
      "      loss_type: grpo\n"
      "      epsilon_high: 0.28\n"
      "      dynamic_sampling: true\n"
      "      max_sampling_rounds: 3\n"
      "      sync_ref_model: true\n"
      "      ref_model_sync_steps: 2\n"
      "      save_steps: 1\n"
      "      save_total_limit: 1\n"
      "      eval: {data: {path: " +
      (dir_ / "prompts.jsonl").string() +
      ", prompt_template: plain, max_prompts: 2}, num_generations: 2}\n";
  Config config = load_config_text(
      config_text(extra, "[{name: test_text_hash}, {name: test_target_rate, weight: 0.5}]"),
      "toy.yaml");
  run_stage(config, "toy");
  const auto stage_dir = dir_ / "run" / "stages" / "01-toy";
  std::vector<nlohmann::json> lines = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 4u);  // 3 steps + the final evaluation line
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(lines[i].contains("dynamic_sampling/rounds"));
    EXPECT_TRUE(lines[i].contains("rewards/test_target_rate/mean"));
    ASSERT_FALSE(lines[i].contains("skipped_steps"));  // the hash reward always varies
    {
      EXPECT_TRUE(lines[i].contains("kl"));
      EXPECT_GE(lines[i]["kl"].get<double>(), 0.0);  // k3 is non-negative
      // 8 rows / mini-batch 4 = 2 optimizer steps per pass, 2 passes (groups may be fewer).
      EXPECT_LE(lines[i]["optimizer_steps"].get<double>(), 4.0);
      EXPECT_GE(lines[i]["optimizer_steps"].get<double>(), 2.0);
    }
  }
  // The policy moves within a step (4 optimizer steps), away from the reference and from the
  // sampler's log-probs: a positive KL and ratios other than 1.
  EXPECT_GT(lines[0]["kl"].get<double>(), 0.0);
  EXPECT_GT(lines[0]["ratio/max"].get<double>(), 1.0);
  EXPECT_TRUE(lines[3].contains("eval/reward"));
  EXPECT_EQ(lines[3]["step"].get<int64_t>(), 3);
  // save_total_limit 1 keeps the newest checkpoint: the last step's, with the reference
  // (synced at step 2, so it is state) beside the policy.
  const auto checkpoint = stage_dir / "checkpoints" / "step-0000003";
  EXPECT_EQ(verify_checkpoint(checkpoint), "");
  EXPECT_TRUE(std::filesystem::exists(checkpoint / "reference.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(stage_dir / "checkpoints" / "step-0000002"));
  EXPECT_TRUE(std::filesystem::exists(stage_dir / "final" / "config.json"));
  const std::string weights = read_file(stage_dir / "final" / "model.safetensors");
  // Rerunning the finished stage resumes at its last step: nothing is trained again, the
  // logs stay, and final/ is written again with the same bytes.
  run_stage(config, "toy");
  EXPECT_EQ(read_jsonl(stage_dir / "metrics.jsonl"), lines);
  EXPECT_EQ(read_file(stage_dir / "final" / "model.safetensors"), weights);

  // Killed during step 3 (after step 2's checkpoint): the resumed run ends bit for bit as
  // the uninterrupted one, through the reference sync at step 2, dynamic sampling and the
  // prompt position. Recreate step 2 by running 2 steps under a config that keeps them.
  std::string keep_every_checkpoint = extra;
  keep_every_checkpoint.replace(keep_every_checkpoint.find("save_total_limit: 1"), 19,
                                "save_total_limit: 0");
  Config keep_all = load_config_text(
      config_text(keep_every_checkpoint,
                  "[{name: test_text_hash}, {name: test_target_rate, weight: 0.5}]"),
      "toy.yaml");
  std::filesystem::remove_all(stage_dir);
  run_stage(keep_all, "toy");
  EXPECT_EQ(read_file(stage_dir / "final" / "model.safetensors"), weights);
  std::filesystem::remove_all(stage_dir / "checkpoints" / "step-0000003");
  std::filesystem::remove_all(stage_dir / "final");
  run_stage(keep_all, "toy");
  EXPECT_EQ(read_file(stage_dir / "final" / "model.safetensors"), weights);
  std::vector<nlohmann::json> resumed = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(resumed.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const auto& [key, value] : lines[i].items()) {
      if (key.rfind("time/", 0) == 0 || key == "tokens_per_second" || key == "mfu" || key == "eval/time") continue;
      EXPECT_EQ(resumed[i][key], value) << "line " << i << " key " << key;
    }
  }
}

// R1's general RL: two prompt sets mixed 3:1, each scored by its own reward. Every step's four
// prompts are three of `reason` and one of `chat` (prompt_mix.h's deficit rule: 3 * 4 / 4 and
// 1 * 4 / 4 exactly), each reward scores its own source's samples and gives the others none,
// and the prompts each group shows come from its source's file.
TEST_F(GrpoStageTest, MixedSourcesDrawInProportionAndScoreWithTheirOwnRewards) {
  const std::string text = mixed_config_text({"say hello", "name a colour", "tell a joke"},
                                             "[{name: test_text_hash}]", "3",
                                             "      max_steps: 3\n"
                                             "      prompts_per_step: 4\n"
                                             "      num_generations: 2\n"
                                             "      max_completion_length: 4\n"
                                             "      micro_batch_size: 8\n"
                                             "      log_completions: 8\n");
  Config config = load_config_text(text, "mixed.yaml");
  run_stage(config, "toy");
  const auto stage_dir = dir_ / "run" / "stages" / "01-toy";
  std::vector<nlohmann::json> lines = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& line : lines) {
    EXPECT_EQ(line["sources/reason/prompts"], 3.0) << line.dump();
    EXPECT_EQ(line["sources/chat/prompts"], 1.0) << line.dump();
    // 8 samples: the chat group's 2 are none for reason's reward, reason's 6 for chat's.
    EXPECT_EQ(line["rewards/reason/test_target_rate/none"], 2.0);
    EXPECT_EQ(line["rewards/chat/test_text_hash/none"], 6.0);
    EXPECT_TRUE(line.contains("sources/chat/reward")) << line.dump();
  }
  const std::set<std::string> chat_prompts = {"say hello", "name a colour", "tell a joke"};
  std::vector<nlohmann::json> samples = read_jsonl(stage_dir / "samples.jsonl");
  ASSERT_EQ(samples.size(), 24u);
  for (const auto& sample : samples) {
    const bool chat = chat_prompts.count(sample["prompt"].get<std::string>()) > 0;
    const auto& rewards = sample["rewards"];
    EXPECT_EQ(rewards["chat/test_text_hash"].is_null(), !chat) << sample.dump();
    EXPECT_EQ(rewards["reason/test_target_rate"].is_null(), chat) << sample.dump();
  }
}

// A reward model scoring one source of a mixed stage, run through run_stage (which checks the
// stage's inputs): its scores reach the chat source's samples only, and are the model's.
TEST_F(GrpoStageTest, RewardModelScoresItsSourceThroughRunStage) {
  save_toy_reward_model();
  const std::string text = mixed_config_text(
      {"say hello", "name a colour"},
      "[{name: reward_model, options: {path: " + (dir_ / "rm").string() + ", span: answer}}]", "1",
      "      max_steps: 2\n"
      "      prompts_per_step: 2\n"
      "      num_generations: 2\n"
      "      max_completion_length: 4\n"
      "      micro_batch_size: 4\n"
      "      log_completions: 4\n");
  Config config = load_config_text(text, "rm.yaml");
  run_stage(config, "toy");
  const auto stage_dir = dir_ / "run" / "stages" / "01-toy";
  for (const auto& line : read_jsonl(stage_dir / "metrics.jsonl")) {
    EXPECT_EQ(line["rewards/chat/reward_model/none"], 2.0) << line.dump();  // reason's 2 samples
    EXPECT_TRUE(line["rewards/chat/reward_model/mean"].is_number()) << line.dump();
  }
  int chat_samples = 0;
  for (const auto& sample : read_jsonl(stage_dir / "samples.jsonl")) {
    const auto& score = sample["rewards"]["chat/reward_model"];
    const bool chat = sample["prompt"] == "say hello" || sample["prompt"] == "name a colour";
    EXPECT_EQ(score.is_number(), chat) << sample.dump();
    chat_samples += chat ? 1 : 0;
  }
  EXPECT_EQ(chat_samples, 4);  // one chat prompt a step, 2 samples each
  // A folder that holds no model is named before anything trains.
  Config missing = load_config_text(
      std::string(text).replace(text.find((dir_ / "rm").string()), (dir_ / "rm").string().size(),
                                (dir_ / "model" / "nothing").string()),
      "rm.yaml");
  EXPECT_THROW(run_stage(missing, "toy"), ConfigError);
}

// normalize: running (reward_normalizer.h) on a reward model: the first round is normalised by
// its own statistics, so its scores have mean 0 exactly; the statistics of every score so far
// ride in each checkpoint, so a run killed after step 2 resumes to the same step 3.
TEST_F(GrpoStageTest, RunningRewardNormalizationStartsAtMeanZeroAndResumesExactly) {
  save_toy_reward_model();
  const std::string text = mixed_config_text(
      {"say hello", "name a colour"},
      "[{name: reward_model, options: {path: " + (dir_ / "rm").string() + ", normalize: running}}]",
      "1",
      "      max_steps: 3\n"
      "      prompts_per_step: 2\n"
      "      num_generations: 2\n"
      "      max_completion_length: 4\n"
      "      micro_batch_size: 4\n"
      "      save_steps: 1\n"
      "      save_total_limit: 0\n");
  Config config = load_config_text(text, "norm.yaml");
  run_stage(config, "toy");
  const auto stage_dir = dir_ / "run" / "stages" / "01-toy";
  const std::vector<nlohmann::json> lines = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NEAR(lines[0]["rewards/chat/reward_model/mean"].get<double>(), 0.0, 1e-9);
  // Two chat samples a step (one chat prompt x 2); the rule reward's column is not counted.
  const nlohmann::json state =
      nlohmann::json::parse(read_file(stage_dir / "checkpoints" / "step-0000003" /
                                      "trainer_state.json"))["progress"]["reward_normalizer"];
  EXPECT_EQ(state["count"], (std::vector<int64_t>{0, 6}));
  EXPECT_EQ(nlohmann::json::parse(
                read_file(stage_dir / "checkpoints" / "step-0000001" /
                          "trainer_state.json"))["progress"]["reward_normalizer"]["count"],
            (std::vector<int64_t>{0, 2}));
  const std::string weights = read_file(stage_dir / "final" / "model.safetensors");
  std::filesystem::remove_all(stage_dir / "checkpoints" / "step-0000003");
  std::filesystem::remove_all(stage_dir / "final");
  run_stage(config, "toy");
  EXPECT_EQ(read_file(stage_dir / "final" / "model.safetensors"), weights);
  const std::vector<nlohmann::json> resumed = read_jsonl(stage_dir / "metrics.jsonl");
  ASSERT_EQ(resumed.size(), 3u);
  EXPECT_EQ(resumed[2]["rewards/chat/reward_model/mean"],
            lines[2]["rewards/chat/reward_model/mean"]);
  EXPECT_EQ(resumed[2]["reward"], lines[2]["reward"]);
}

TEST_F(GrpoStageTest, ConfigErrorsBeforeTraining) {
  auto expect_error = [&](const std::string& text, const std::string& fragment) {
    try {
      Config config = load_config_text(text, "bad.yaml");
      run_stage(config, "toy");
      ADD_FAILURE() << "expected a ConfigError mentioning " << fragment;
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_error(config_text("      kl_in: reward\n      beta: 0.1\n"), "kl_in is reward");
  expect_error(config_text("      mini_batch_size: 1000\n"), "mini_batch_size");
  expect_error(config_text("      num_generation: 4\n"), "num_generations");  // suggestion
  expect_error(config_text("", "[{name: no_such_reward}]"), "no_such_reward");
  expect_error(config_text("", "[{name: test_target_rate, options: {x: 1}}]"),
               "unknown option 'x'");
  expect_error(config_text("", "[{name: test_text_hash}, {name: test_text_hash}]"),
               "is already used");
  expect_error("stages: [{name: a, type: grpo}]\n", "needs a grpo: section");
  expect_error("stages: [{name: Bad-Name, grpo: {data: {path: x}, rewards: [{name: y}]}}]\n",
               "may hold only");
  expect_error(
      config_text("") + "  - name: toy\n    grpo: {data: {path: x}, rewards: [{name: y}]}\n",
      "used by an earlier stage");
  const std::string source = "{name: a, data: {path: x}, rewards: [{name: test_text_hash}]}";
  expect_error(config_text("      sources: [" + source + "]\n"), "sources replaces data");
  const std::string mixed =
      "stages: [{name: m, grpo: {sources: [" + source + ", " + source + "]}}]\n";
  expect_error(mixed, "is used by an earlier source");
  expect_error("stages: [{name: m, grpo: {sources: [{name: a, data: {path: x}}]}}]\n",
               "sources.0.rewards");
  Config config = load_config_text(config_text(""), "ok.yaml");
  EXPECT_THROW(run_stage(config, "missing"), ConfigError);
}

}  // namespace
}  // namespace r1forge
