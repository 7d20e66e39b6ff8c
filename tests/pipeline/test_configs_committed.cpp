// Every YAML committed under configs/ (recursively) loads, passes validation (validate_stages)
// and has stage references that resolve (stage_references.h) — with the input-existence check
// off, since model folders and data files are not in the repository (the R1 recipe's
// models/Qwen2.5-1.5B, data a make_data: section makes on the first run). A config with an
// unknown key fails the same check. And configs/r1-qwen2.5-1.5b.yaml holds R1's published
// settings. Not here: running those configs end to end at toy scale
// (tests/integration/every_config.py).
#include <gtest/gtest.h>

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage_config.h"
#include "r1forge/pipeline/stage_references.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

// What a committed config must pass; returns the config with references resolved.
Config check_committed_config(const fs::path& file) {
  Config config = load_config(file);  // unknown keys, types, ranges, then validate_stages
  validate_stages(config.stages, file.string());
  return resolve_stage_references(config, file.string(), /*check_inputs_exist=*/false);
}

std::vector<fs::path> committed_configs() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(testing::source_dir() / "configs")) {
    const auto extension = entry.path().extension();
    if (extension == ".yaml" || extension == ".yml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CommittedConfigsTest, EveryYamlUnderConfigsLoadsValidatesAndResolves) {
  std::vector<fs::path> files = committed_configs();
  // tiny/base.yaml, grpo/r1-zero-gsm8k.yaml and r1-qwen2.5-1.5b.yaml at least: the walk is
  // recursive and really found them.
  EXPECT_GE(files.size(), 3u);
  bool found_r1 = false;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    found_r1 = found_r1 || file.filename() == "r1-qwen2.5-1.5b.yaml";
    try {
      check_committed_config(file);
    } catch (const Error& error) {
      ADD_FAILURE() << error.what();
    }
  }
  EXPECT_TRUE(found_r1);
}

TEST(CommittedConfigsTest, AnUnknownKeyFailsTheCheck) {
  // A copy of the R1 recipe with one misspelt key deep in a stage: the check must refuse it,
  // naming the file, line and key.
  const fs::path source = testing::source_dir() / "configs" / "r1-qwen2.5-1.5b.yaml";
  std::string text = read_file(source);
  const std::string key = "      epsilon: 10.0";
  const size_t at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "      epsilonn: 10.0\n");
  testing::TempDir dir;
  const fs::path copy = dir / "r1-typo.yaml";
  atomic_write_file(copy, text);
  try {
    check_committed_config(copy);
    FAIL() << "an unknown key passed";
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(copy.string()), std::string::npos) << message;
    EXPECT_NE(message.find("unknown key 'stages[1].grpo.epsilonn' (did you mean 'epsilon'?)"),
              std::string::npos)
        << message;
  }
  // A stage reference to a later stage fails the same check (resolve_stage_references).
  std::string later = read_file(source);
  const std::string init = "    init: cold_start\n";
  ASSERT_NE(later.find(init), std::string::npos);
  later.replace(later.find(init), init.size(), "    init: general_rl\n");
  atomic_write_file(copy, later);
  EXPECT_THROW(check_committed_config(copy), ConfigError);
}

TEST(CommittedConfigsTest, TheR1RecipeHoldsR1sSettings) {
  const Config config =
      check_committed_config(testing::source_dir() / "configs" / "r1-qwen2.5-1.5b.yaml");
  EXPECT_EQ(config.model.dtype, "bfloat16");
  EXPECT_EQ(config.model.device, "cuda");
  EXPECT_TRUE(config.model.gradient_checkpointing);
  std::vector<std::string> names, types;
  for (const auto& stage : config.stages) {
    names.push_back(stage.name);
    types.push_back(stage.type);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"cold_start", "reasoning_rl", "rejection_sampling",
                                             "sft", "general_rl", "distill"}));
  EXPECT_EQ(types, (std::vector<std::string>{"sft", "grpo", "rejection_sampling", "sft", "grpo",
                                             "distill"}));
  const fs::path stages = fs::path(config.run.dir) / "stages";
  // Stage 2 (algorithms.md §10.2): G 16, lr 3e-6, KL 0.001 (k3), clip 10, temperature 1,
  // reference reset every 400 steps, accuracy + format + language consistency.
  const GrpoConfig& rl = *config.stages[1].grpo;
  EXPECT_EQ(config.stages[1].init, (stages / "01-cold_start" / "final").string());
  EXPECT_EQ(rl.num_generations, 16);
  EXPECT_EQ(rl.prompts_per_step * rl.num_generations, 512);
  EXPECT_DOUBLE_EQ(rl.optimizer.learning_rate, 3e-6);
  EXPECT_DOUBLE_EQ(rl.beta, 0.001);
  EXPECT_EQ(rl.kl_estimator, "k3");
  EXPECT_DOUBLE_EQ(rl.epsilon, 10.0);
  EXPECT_DOUBLE_EQ(rl.generation.temperature, 1.0);
  EXPECT_TRUE(rl.sync_ref_model);
  EXPECT_EQ(rl.ref_model_sync_steps, 400);
  EXPECT_DOUBLE_EQ(rl.ref_model_mixup_alpha, 1.0);
  EXPECT_GE(rl.generation.max_completion_length, 32768);
  std::vector<std::string> rewards;
  for (const auto& reward : rl.rewards) rewards.push_back(reward.name);
  EXPECT_EQ(rewards, (std::vector<std::string>{"accuracy", "format", "language_consistency"}));
  // Stage 3: correct + readable, k per prompt, a third of non-reasoning rows.
  const RejectionSamplingConfig& rs = *config.stages[2].rejection_sampling;
  EXPECT_EQ(config.stages[2].init, (stages / "02-reasoning_rl" / "final").string());
  EXPECT_EQ(rs.accept.correct_reward, "accuracy");
  EXPECT_EQ(rs.accept.require_format, "format");
  EXPECT_GT(rs.max_per_prompt, 1);
  EXPECT_GT(rs.num_samples, rs.max_per_prompt);
  EXPECT_NEAR(rs.non_reasoning.ratio, 1.0 / 3.0, 1e-9);
  EXPECT_FALSE(rs.non_reasoning.path.empty());
  // The second SFT starts from the base, on rejection sampling's rows, for 2 epochs.
  const fs::path rows = stages / "03-rejection_sampling" / "data.jsonl";
  EXPECT_EQ(config.stages[3].init, "base");
  EXPECT_EQ(config.stages[3].sft->data.path, rows.string());
  EXPECT_EQ(config.stages[3].sft->num_epochs, 2);
  EXPECT_EQ(config.stages[4].init, (stages / "04-sft" / "final").string());
  EXPECT_DOUBLE_EQ(config.stages[4].grpo->generation.temperature, 0.7);  // R1 stage 4
  // Distillation: a smaller preset on the same rows, with the teacher's embedding rows, so a
  // logit term could be switched on without a vocabulary mismatch.
  const StageConfig& distill = config.stages[5];
  EXPECT_EQ(distill.init, "qwen2.5-0.5b");
  EXPECT_EQ(distill.sft->data.path, rows.string());
  EXPECT_EQ(distill.architecture.vocab_size, model_preset("qwen2.5-1.5b").vocab_size);
  EXPECT_LT(parameter_count(model_preset("qwen2.5-0.5b")),
            parameter_count(model_preset("qwen2.5-1.5b")));
  EXPECT_EQ(distill.distill->teacher, (stages / "05-general_rl" / "final").string());
  EXPECT_DOUBLE_EQ(distill.distill->logit_weight, 0.0);  // R1: SFT only
  // Evaluation as R1 reports it: pass@1 over k = 16 at T 0.6, top-p 0.95.
  int evals = 0;
  for (const auto& stage : config.stages) {
    if (!stage.eval) continue;
    SCOPED_TRACE(stage.name);
    ++evals;
    EXPECT_EQ(stage.eval->num_samples, 16);
    EXPECT_DOUBLE_EQ(stage.eval->generation.temperature, 0.6);
    EXPECT_DOUBLE_EQ(stage.eval->generation.top_p, 0.95);
  }
  EXPECT_GE(evals, 3);
}

}  // namespace
}  // namespace r1forge
