// A GRPO stage whose rollouts stop at "</answer>": the completion text the rewards score keeps
// the stop string (include_stop_str_in_output, the default), so a well-formed completion
// scores format 1 and accuracy finds its <answer>; with the switch off the text ends before
// the string and both score 0; without the stop string the model runs on past </answer>.
// The policy is the tiny fixture model after SFT on one trace that goes on after </answer>,
// so its near-greedy completions are the trace.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {
namespace {

using testing::read_jsonl;

constexpr const char* kAnswered = "<think>1+2=3</think><answer>3</answer>";

class GrpoStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/5);
    // The trace goes on past </answer>, as a model that was never taught to stop would.
    std::ofstream traces(dir_ / "trace.jsonl");
    traces << nlohmann::json{{"prompt", "add one and two"},
                             {"completion", std::string(kAnswered) + " so the sum is three"}}
                  .dump()
           << "\n";
    std::ofstream prompts(dir_ / "prompts.jsonl");
    prompts << nlohmann::json{{"prompt", "add one and two"}, {"answer", "3"}}.dump() << "\n";
  }

  // Runs the SFT stage once (it is skipped while its final/ exists), then the GRPO stage with
  // `generation` (extra grpo: keys); returns the GRPO stage's samples.jsonl and metrics.
  std::pair<std::vector<nlohmann::json>, nlohmann::json> run_grpo(const std::string& generation) {
    const std::string text =
        "run: {dir: " + (dir_ / "run").string() + ", seed: 3, threads: 2}\n" +
        "model: {init: " + (dir_ / "model").string() + "}\n" +
        "stages:\n"
        "  - name: memorise\n"
        "    type: sft\n"
        "    sft:\n"
        "      data: {path: " +
        (dir_ / "trace.jsonl").string() +
        ", prompt_template: plain}\n"
        "      max_steps: 60\n"
        "      batch_size: 1\n"
        "      micro_batch_size: 1\n"
        "      optimizer: {learning_rate: 0.01, schedule: {lr_scheduler_type: constant}}\n"
        "  - name: rl\n"
        "    type: grpo\n"
        "    init: memorise\n"
        "    grpo:\n"
        "      data: {path: " +
        (dir_ / "prompts.jsonl").string() +
        ", prompt_template: plain}\n"
        "      rewards: [{name: format}, {name: accuracy}]\n"
        "      max_steps: 1\n"
        "      prompts_per_step: 1\n"
        "      num_generations: 4\n"
        "      log_completions: 4\n"
        "      max_completion_length: 24\n"
        "      temperature: 0.05\n" +
        generation;
    Config config = load_config_text(text, "stop.yaml");
    if (!std::filesystem::exists(dir_ / "run" / "stages" / "01-memorise" / "final")) {
      run_stage(config, "memorise");
    }
    const auto stage_dir = dir_ / "run" / "stages" / "02-rl";
    std::filesystem::remove_all(stage_dir);
    run_stage(config, "rl");
    return {read_jsonl(stage_dir / "samples.jsonl"), read_jsonl(stage_dir / "metrics.jsonl")[0]};
  }
  testing::TempDir dir_;
};

TEST_F(GrpoStopTest, StopStringStaysInTheTextRewardsScore) {
  auto [samples, metrics] = run_grpo("      stop: ['</answer>']\n");
  ASSERT_EQ(samples.size(), 4u);
  for (const auto& sample : samples) {
    EXPECT_EQ(sample["completion"], kAnswered);
    EXPECT_EQ(sample["finish_reason"], "stop");
    EXPECT_EQ(sample["rewards"]["format"], 1.0);
    EXPECT_EQ(sample["rewards"]["accuracy"], 1.0);
  }
  EXPECT_EQ(metrics["rewards/format/mean"], 1.0);
  EXPECT_EQ(metrics["rewards/accuracy/mean"], 1.0);
  // The trained tokens are the completion the rewards saw: </answer> is one token of the
  // fixture's tokenizer and the last one kept.
  const int64_t kept = samples[0]["tokens"].get<int64_t>();

  // Switched off, the text ends before "</answer>": the old behaviour, scoring 0 twice
  // although the same tokens (</answer> included) are trained on.
  auto [cut, cut_metrics] = run_grpo(
      "      stop: ['</answer>']\n"
      "      include_stop_str_in_output: false\n");
  ASSERT_EQ(cut.size(), 4u);
  for (const auto& sample : cut) {
    EXPECT_EQ(sample["completion"], "<think>1+2=3</think><answer>3");
    EXPECT_EQ(sample["tokens"].get<int64_t>(), kept);
    EXPECT_EQ(sample["rewards"]["format"], 0.0);
  }
  EXPECT_EQ(cut_metrics["rewards/format/mean"], 0.0);
  EXPECT_EQ(cut_metrics["rewards/accuracy/mean"], 0.0);

  // Without a stop string the memorised trace runs on past </answer>: more tokens, and text
  // after the answer, which the format reward refuses.
  auto [open, open_metrics] = run_grpo("");
  ASSERT_EQ(open.size(), 4u);
  for (const auto& sample : open) {
    const std::string completion = sample["completion"].get<std::string>();
    EXPECT_EQ(completion.rfind(kAnswered, 0), 0u) << completion;
    EXPECT_GT(completion.size(), std::string(kAnswered).size());
    EXPECT_GT(sample["tokens"].get<int64_t>(), kept);
  }
  EXPECT_EQ(open_metrics["rewards/format/mean"], 0.0);
}

}  // namespace
}  // namespace r1forge
