// The console step line and the one place step metrics are written (pipeline/step_log.h):
// exact lines for each stage kind, MFU from hand numbers, and the files.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "r1forge/pipeline/step_log.h"

namespace r1forge {
namespace {

TEST(StepLog, GrpoLineShowsRewardsPhasesAndEta) {
  const MetricValues metrics = {{"loss", 0.0123},
                                {"reward", 1.2624},
                                {"reward_std", 0.4254},
                                {"rewards/accuracy/mean", 0.765625},
                                {"rewards/format/mean", 0.9921875},
                                {"kl", 0.00123},
                                {"clip_ratio/region_mean", 0.004},
                                {"completions/mean_length", 37.625},
                                {"learning_rate", 2e-5},
                                {"grad_norm", 0.94987},
                                {"tokens_per_second", 6366},
                                {"mfu", 0.0123},
                                {"time/rollout", 0.4512},
                                {"time/reward", 0.0123},
                                {"time/logprobs", 0.0511},
                                {"time/update", 0.2534},
                                {"time/step", 0.77},
                                {"epoch", 0}};  // not shown: the line is for people
  EXPECT_EQ(format_step_line("reasoning_rl", 25, 200, metrics, {"accuracy", "format"}, 151),
            "reasoning_rl step  25/200 | loss 0.0123 | reward 1.262 ± 0.425 | accuracy 0.766 "
            "format 0.992 | kl 0.00123 | clip 0.4% | len 37.6 | lr 2.00e-05 | gnorm 0.950 | "
            "6.37k tok/s | MFU 1.2% | rollout 0.45s reward 0.01s logprobs 0.05s update 0.25s | "
            "ETA 2m31s");
}

TEST(StepLog, SupervisedLineShowsLossesAndStepTime) {
  const MetricValues metrics = {
      {"loss", 1.23456},  {"eval/loss", 1.5},           {"learning_rate", 2e-4},
      {"grad_norm", 1.5}, {"tokens_per_second", 13210}, {"time/step", 0.3012}};
  // The last step: no ETA.
  EXPECT_EQ(format_step_line("cold_start", 300, 300, metrics, {}, 0),
            "cold_start step 300/300 | loss 1.235 eval 1.5 | lr 2.00e-04 | gnorm 1.500 | "
            "13.2k tok/s | step 0.30s");
}

TEST(StepLog, RewardModelLineShowsPairAccuracy) {
  const MetricValues metrics = {{"loss", 0.5},    {"accuracy", 0.875}, {"eval/accuracy", 0.93},
                                {"margin", 1.25}, {"time/step", 0.1},  {"reward", NAN}};
  EXPECT_EQ(format_step_line("helpfulness_rm", 3, 9, metrics, {}, 1.5),
            "helpfulness_rm step 3/9 | loss 0.5 | acc 87.5% eval acc 93.0% | margin 1.250 | "
            "step 0.10s | ETA 1.5s");
}

TEST(StepLog, CountsReadAsRates) {
  EXPECT_EQ(format_count(812), "812");
  EXPECT_EQ(format_count(6366), "6.37k");
  EXPECT_EQ(format_count(13210), "13.2k");
  EXPECT_EQ(format_count(1.25e6), "1.25M");
}

TEST(StepLog, WritesMetricsWithMfuAndEvaluations) {
  testing::TempDir temp;
  const std::filesystem::path folder = temp.path();
  {
    StepLogOptions options;
    options.stage = "s";
    options.total_steps = 2;
    options.metrics_path = folder / "metrics.jsonl";
    options.peak_flops_per_second = 1e9;
    StepLog log(options);
    MetricValues first = {{"loss", 1.0}, {"time/step", 0.5}};
    // 1e8 model FLOPs in 0.5 s on a 1e9 FLOP/s machine: 2e8 / 1e9 = 20%.
    log.record(1, first, 1e8);
    EXPECT_DOUBLE_EQ(first.at("mfu"), 0.2);
    MetricValues second = {{"loss", 0.5}, {"time/step", 0.5}};
    log.record(2, second);  // no FLOPs given: no MFU
    EXPECT_EQ(second.count("mfu"), 0u);
    log.record_evaluation(2, {{"eval/reward", 0.75}});
  }
  std::ifstream in(folder / "metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string text; std::getline(in, text);) lines.push_back(nlohmann::json::parse(text));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["step"], 1);
  EXPECT_DOUBLE_EQ(lines[0]["mfu"].get<double>(), 0.2);
  EXPECT_FALSE(lines[1].contains("mfu"));
  EXPECT_EQ(lines[2]["step"], 2);
  EXPECT_DOUBLE_EQ(lines[2]["eval/reward"].get<double>(), 0.75);
  bool events = false;  // TensorBoard's file beside metrics.jsonl
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    events |= entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  }
  EXPECT_TRUE(events);
}

}  // namespace
}  // namespace r1forge
