// The pipeline runner: stage references resolve to earlier stages' outputs or fail before
// anything trains, pipeline_state.json records finished stages, a rerun skips them, an
// extended stage continues from its last checkpoint while the stages reading it start again
// (the old attempt moved aside), a training change needs run.on_change (error, restart,
// continue), a moved run folder is still finished, every attempt writes a log file, and
// report.json has the agreed shape.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
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
  std::string head(const std::string& run = "run") const {
    return "run: {dir: " + (dir_ / run).string() + ", seed: 3, threads: 2}\n" +
           "model: {init: " + (dir_ / "model").string() + "}\n";
  }
  std::string two_stages(const std::string& sft_lr,
                         int64_t base_steps = 2,
                         const std::string& run = "run") const {
    return head(run) +
           "stages:\n"
           "  - name: base_lm\n    type: pretrain\n    sft:\n      data: {path: " +
           (dir_ / "text.jsonl").string() + "}\n      max_steps: " + std::to_string(base_steps) +
           "\n      batch_size: 2\n"
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
  std::vector<std::string> lines(const fs::path& file) const {
    std::vector<std::string> result;
    std::istringstream in(read_file(file));
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }
  // The run's log files, oldest first.
  std::vector<fs::path> log_files() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir_ / "run/logs"))
      files.push_back(entry.path());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return fs::last_write_time(a) < fs::last_write_time(b);
    });
    return files;
  }
  std::vector<std::string> checkpoints(const std::string& stage) const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_ / "run/stages" / stage / "checkpoints")) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
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

// A reward's `options.path` (the reward_model reward's folder) may name an earlier
// reward_model stage as `@stage`: it resolves to that stage's final/ folder, counts as the
// stage's input, and maps back to `@stage` in the portable config; a policy stage (its final/
// is a causal LM, not a scorer), a later stage or a missing folder is a ConfigError naming
// the key.
TEST_F(RunnerTest, RewardModelPathNamesAnEarlierStagesFinalFolder) {
  auto config_with = [&](const std::string& reward_path) {
    return two_stages("0.001") +
           "  - name: judge\n    type: reward_model\n    init: base_lm\n    reward_model:\n"
           "      data: {path: " +
           (dir_ / "sft.jsonl").string() +
           "}\n"
           "  - name: rl\n    type: grpo\n    init: tune\n    grpo:\n      data: {path: " +
           (dir_ / "sft.jsonl").string() +
           "}\n      rewards: [{name: format}, {name: reward_model, options: {path: '" +
           reward_path + "'}}]\n";
  };
  Config config = load_config_text(config_with("@judge"), "pipe.yaml");
  Config resolved = resolve_stage_references(config, "pipe.yaml", true);
  const std::string final_folder = (dir_ / "run" / "stages" / "03-judge" / "final").string();
  EXPECT_EQ(resolved.stages[3].grpo->rewards[1].options.at("path"), final_folder);
  EXPECT_EQ(stage_input_names(config, config.stages[3]),
            (std::vector<std::string>{"tune", "judge"}));
  EXPECT_EQ(portable_stage(resolved, resolved.stages[3]).grpo->rewards[1].options.at("path"),
            "@judge");
  auto error = [&](const std::string& path) {
    try {
      resolve_stage_references(load_config_text(config_with(path), "pipe.yaml"), "pipe.yaml", true);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error("@nowhere").find("grpo.rewards.1.options.path is '@nowhere' but no stage"),
            std::string::npos)
      << error("@nowhere");
  EXPECT_NE(error("@rl").find("does not run before"), std::string::npos) << error("@rl");
  EXPECT_NE(error("@base_lm")
                .find("is a pretrain stage; a reward's model must come from a "
                      "reward_model stage"),
            std::string::npos)
      << error("@base_lm");
  EXPECT_NE(error((dir_ / "no_model").string()).find("grpo.rewards.1.options.path: folder"),
            std::string::npos)
      << error((dir_ / "no_model").string());
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

  // Recorded paths are relative to the run folder, so it may move.
  EXPECT_EQ(state["stages"][1]["output"], "stages/02-tune/final");
}

TEST_F(RunnerTest, ATrainingChangeNeedsOnChangeErrorRestartOrContinue) {
  run_pipeline(load_config_text(two_stages("0.001"), "pipe.yaml"), "pipe.yaml");
  const fs::path tune = dir_ / "run/stages/02-tune";
  const std::vector<std::string> tune_lines = lines(tune / "metrics.jsonl");
  const std::vector<std::string> tune_checkpoints = checkpoints("02-tune");
  const auto base_time = fs::last_write_time(dir_ / "run/stages/01-base_lm/metrics.jsonl");
  const std::string weights = read_file(tune / "final/model.safetensors");

  // error (the default): nothing runs, the message names the stage and the changed key.
  const std::string message = error_of(two_stages("0.002"));
  EXPECT_NE(message.find("stage 'tune'"), std::string::npos) << message;
  EXPECT_NE(message.find("stages.tune.sft.optimizer.learning_rate 0.001 -> 0.002"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("run.on_change=restart"), std::string::npos) << message;
  EXPECT_EQ(lines(tune / "metrics.jsonl"), tune_lines);
  EXPECT_EQ(checkpoints("02-tune"), tune_checkpoints);

  // continue: from the latest checkpoint (the last step), so nothing trains again; the
  // checkpoints and the logs stay, final/ is written again from the same weights.
  run_pipeline(load_config_text(two_stages("0.002"), "pipe.yaml", {"run.on_change=continue"}),
               "pipe.yaml");
  EXPECT_EQ(lines(tune / "metrics.jsonl"), tune_lines);
  EXPECT_EQ(checkpoints("02-tune"), tune_checkpoints);
  EXPECT_EQ(read_file(tune / "final/model.safetensors"), weights);
  EXPECT_EQ(fs::last_write_time(dir_ / "run/stages/01-base_lm/metrics.jsonl"), base_time);
  EXPECT_EQ(read_json_file(tune / "attempt.json")["settings"]["sft.optimizer.learning_rate"],
            "0.002");

  // restart: the stage's folder is deleted and it trains from step 1 with the new rate.
  run_pipeline(load_config_text(two_stages("0.003"), "pipe.yaml", {"run.on_change=restart"}),
               "pipe.yaml");
  const std::vector<std::string> restarted = lines(tune / "metrics.jsonl");
  ASSERT_EQ(restarted.size(), 2u);
  EXPECT_NE(restarted[0], tune_lines[0]);
  EXPECT_NEAR(nlohmann::json::parse(restarted[0])["learning_rate"].get<double>(), 0.003, 1e-12);
  EXPECT_NE(read_file(tune / "final/model.safetensors"), weights);
  EXPECT_EQ(fs::last_write_time(dir_ / "run/stages/01-base_lm/metrics.jsonl"), base_time);
}

TEST_F(RunnerTest, ExtendingAStageContinuesItAndRestartsTheStagesThatReadIt) {
  run_pipeline(load_config_text(two_stages("0.001", 2), "pipe.yaml"), "pipe.yaml");
  const fs::path base = dir_ / "run/stages/01-base_lm";
  const std::vector<std::string> base_lines = lines(base / "metrics.jsonl");
  ASSERT_EQ(base_lines.size(), 2u);
  const std::string base_weights = read_file(base / "final/model.safetensors");
  const std::vector<std::string> tune_checkpoints = checkpoints("02-tune");

  // max_steps 2 -> 4 needs no choice: steps 3 and 4 follow the kept steps 1 and 2.
  run_pipeline(load_config_text(two_stages("0.001", 4), "pipe.yaml"), "pipe.yaml");
  const std::vector<std::string> extended = lines(base / "metrics.jsonl");
  ASSERT_EQ(extended.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(extended.begin(), extended.begin() + 2), base_lines);
  EXPECT_EQ(nlohmann::json::parse(extended[2])["step"], 3);
  EXPECT_NE(read_file(base / "final/model.safetensors"), base_weights);  // redone after step 4
  EXPECT_TRUE(fs::exists(base / "checkpoints/step-0000004"));

  // tune starts from base_lm's final/, which changed: it trains from step 1, and its earlier
  // attempt (checkpoints included) is moved aside, not deleted.
  std::vector<fs::path> aside;
  for (const auto& entry : fs::directory_iterator(dir_ / "run/stages")) {
    if (entry.path().filename().string().starts_with("02-tune.superseded-")) {
      aside.push_back(entry.path());
    }
  }
  ASSERT_EQ(aside.size(), 1u);
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(aside[0] / "checkpoints")) {
    kept.push_back(entry.path().filename().string());
  }
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, tune_checkpoints);
  EXPECT_EQ(lines(dir_ / "run/stages/02-tune/metrics.jsonl").size(), 2u);
  EXPECT_EQ(read_json_file(dir_ / "run/stages/02-tune/attempt.json")["inputs"]["base_lm"],
            read_json_file(base / "attempt.json")["output_id"]);

  // Only observe keys changed (logging, saving): both stages continue, tune keeps its inputs.
  const std::vector<std::string> tune_lines = lines(dir_ / "run/stages/02-tune/metrics.jsonl");
  std::string observe = two_stages("0.001", 4);
  observe.replace(observe.find("batch_size: 1"), 13, "batch_size: 1\n      logging_steps: 5");
  run_pipeline(load_config_text(observe, "pipe.yaml"), "pipe.yaml");
  EXPECT_EQ(lines(dir_ / "run/stages/02-tune/metrics.jsonl"), tune_lines);
  EXPECT_EQ(lines(base / "metrics.jsonl"), extended);
}

TEST_F(RunnerTest, AMovedRunFolderIsStillFinished) {
  run_pipeline(load_config_text(two_stages("0.001"), "pipe.yaml"), "pipe.yaml");
  fs::rename(dir_ / "run", dir_ / "elsewhere");
  const auto tune_time = fs::last_write_time(dir_ / "elsewhere/stages/02-tune/metrics.jsonl");
  const auto base_time = fs::last_write_time(dir_ / "elsewhere/stages/01-base_lm/metrics.jsonl");
  run_pipeline(load_config_text(two_stages("0.001", 2, "elsewhere"), "pipe.yaml"), "pipe.yaml");
  EXPECT_EQ(fs::last_write_time(dir_ / "elsewhere/stages/01-base_lm/metrics.jsonl"), base_time);
  EXPECT_EQ(fs::last_write_time(dir_ / "elsewhere/stages/02-tune/metrics.jsonl"), tune_time);
  // No record names the old place. config.resolved.yaml (the run's config as given, run.dir
  // included; also copied into each checkpoint) and the logs are what they were, not records.
  const std::string old_place = (dir_ / "run").string() + "/";
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "elsewhere")) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name == "config.resolved.yaml" || name.ends_with(".log") ||
        name.ends_with(".safetensors") || name.find("tfevents") != std::string::npos) {
      continue;
    }
    EXPECT_EQ(read_file(entry.path()).find(old_place), std::string::npos) << entry.path();
  }
}

TEST_F(RunnerTest, EveryAttemptWritesItsOwnLogFile) {
  Config config = load_config_text(two_stages("0.001"), "pipe.yaml");
  run_pipeline(config, "pipe.yaml");
  run_pipeline(config, "pipe.yaml");
  std::vector<fs::path> logs = log_files();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_TRUE(logs[0].filename().string().starts_with("run-"));
  const std::string first = read_file(logs[0]);
  EXPECT_NE(first.find("stage 'base_lm' (pretrain)"), std::string::npos) << first;
  EXPECT_NE(first.find("base_lm step 2/2"), std::string::npos) << first;
  EXPECT_NE(first.find("pipeline finished"), std::string::npos) << first;
  const std::string second = read_file(logs[1]);
  EXPECT_NE(second.find("stage 'tune' finished earlier"), std::string::npos) << second;
  // A refused change is in the log of its attempt too.
  error_of(two_stages("0.002"));
  logs = log_files();
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_NE(read_file(logs[2]).find("learning_rate 0.001 -> 0.002"), std::string::npos);
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
