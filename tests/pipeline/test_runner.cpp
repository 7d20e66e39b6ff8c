// The pipeline runner: stage references resolve to earlier stages' outputs or fail before
// anything trains, pipeline_state.json records finished stages, a rerun skips them, a changed
// stage reruns with everything after it, and report.json has the agreed shape.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/json_file.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/runner.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/5);
    std::ofstream text(dir_ / "text.jsonl");
    for (int i = 0; i < 4; ++i)
      text << nlohmann::json{{"text", "the quick brown fox"}}.dump() << "\n";
    std::ofstream rows(dir_ / "sft.jsonl");
    rows << nlohmann::json{{"prompt", "add one and two"}, {"completion", "<answer>3</answer>"}}
                .dump()
         << "\n";
  }
  std::string head() const {
    return "run: {dir: " + (dir_ / "run").string() + ", seed: 3, threads: 2}\n" +
           "model: {init: " + (dir_ / "model").string() + "}\n";
  }
  std::string two_stages(const std::string& sft_lr) const {
    return head() +
           "stages:\n"
           "  - name: base_lm\n    type: pretrain\n    sft:\n      data: {path: " +
           (dir_ / "text.jsonl").string() +
           "}\n      max_steps: 2\n      batch_size: 2\n"
           "  - name: tune\n    type: sft\n    init: base_lm\n    sft:\n      data: {path: " +
           (dir_ / "sft.jsonl").string() +
           ", prompt_template: plain}\n      max_steps: 2\n      batch_size: 1\n"
           "      optimizer: {learning_rate: " +
           sft_lr + "}\n";
  }
  std::string error_of(const std::string& yaml) {
    try {
      Config config = load_config_text(yaml, "pipe.yaml");
      run_pipeline(config, "pipe.yaml");
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "(no error)";
  }
  testing::TempDir dir_;
};

TEST_F(RunnerTest, InitNamesAnEarlierStagesFinalFolder) {
  Config config = load_config_text(two_stages("0.001"), "pipe.yaml");
  Config resolved = resolve_stage_references(config, "pipe.yaml", true);
  EXPECT_EQ(resolved.stages[1].init, (dir_ / "run" / "stages" / "01-base_lm" / "final").string());
  EXPECT_EQ(resolved.stages[0].init, "base");
  // The data paths found by walking the config structs.
  auto paths = stage_data_paths(resolved.stages[1]);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].first, "sft.data.path");
}

TEST_F(RunnerTest, BadReferencesFailBeforeAnythingTrains) {
  std::string later = two_stages("0.001");
  later.replace(later.find("init: base_lm"), 13, "init: tune");
  EXPECT_NE(error_of(later).find("runs as this stage"), std::string::npos) << error_of(later);
  std::string unknown = two_stages("0.001");
  unknown.replace(unknown.find("init: base_lm"), 13, "init: nowhere");
  EXPECT_NE(error_of(unknown).find("stages.1 (tune).init 'nowhere'"), std::string::npos)
      << error_of(unknown);
  std::string missing = two_stages("0.001");
  missing.replace(missing.find("sft.jsonl"), 9, "gone.jsonl");
  EXPECT_NE(error_of(missing).find("stages.1 (tune).sft.data.path: file"), std::string::npos)
      << error_of(missing);
  std::string not_data = two_stages("0.001");
  not_data.replace(not_data.find((dir_ / "sft.jsonl").string()),
                   (dir_ / "sft.jsonl").string().size(), "'@base_lm'");
  EXPECT_NE(error_of(not_data).find("writes no data"), std::string::npos) << error_of(not_data);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "stages"));  // nothing trained
}

TEST_F(RunnerTest, StateRecordsStagesAndARerunSkipsThem) {
  Config config = load_config_text(two_stages("0.001"), "pipe.yaml");
  run_pipeline(config, "pipe.yaml");
  nlohmann::json state = read_json_file(dir_ / "run" / "pipeline_state.json");
  ASSERT_EQ(state["stages"].size(), 2u);
  EXPECT_EQ(state["stages"][0]["name"], "base_lm");
  EXPECT_EQ(state["stages"][1]["output"], (dir_ / "run/stages/02-tune/final").string());
  nlohmann::json report = read_json_file(dir_ / "run" / "report.json");
  ASSERT_EQ(report["stages"].size(), 2u);
  for (const auto& stage : report["stages"]) {
    EXPECT_TRUE(stage["name"].is_string());
    EXPECT_TRUE(stage["type"].is_string());
    EXPECT_TRUE(stage["seconds"].is_number());
  }
  EXPECT_TRUE(fs::exists(dir_ / "run" / "report.md"));

  const auto metrics = dir_ / "run/stages/01-base_lm/metrics.jsonl";
  const auto first_time = fs::last_write_time(metrics);
  const auto tune_time = fs::last_write_time(dir_ / "run/stages/02-tune/metrics.jsonl");
  run_pipeline(config, "pipe.yaml");  // everything finished: nothing reruns
  EXPECT_EQ(fs::last_write_time(metrics), first_time);
  EXPECT_EQ(fs::last_write_time(dir_ / "run/stages/02-tune/metrics.jsonl"), tune_time);

  // A changed second stage reruns; the first is kept.
  Config changed = load_config_text(two_stages("0.002"), "pipe.yaml");
  run_pipeline(changed, "pipe.yaml");
  EXPECT_EQ(fs::last_write_time(metrics), first_time);
  EXPECT_NE(fs::last_write_time(dir_ / "run/stages/02-tune/metrics.jsonl"), tune_time);
}

TEST_F(RunnerTest, ACorruptStateFileIsADataErrorNamingIt) {
  fs::create_directories(dir_ / "run");
  std::ofstream(dir_ / "run" / "pipeline_state.json") << "{\"stages\": 3}";
  Config config = load_config_text(two_stages("0.001"), "pipe.yaml");
  try {
    run_pipeline(config, "pipe.yaml");
    FAIL();
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("pipeline_state.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace r1forge
