// Stage settings and their classes (pipeline/stage_settings.h): every key a stage can have is
// classified (the test that fails when a config struct gains a key nobody classified), the
// table has no entry that matches nothing, and the diff tells extensions from changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "r1forge/core/yaml_io.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage_settings.h"

namespace r1forge {
namespace {

// The leaf keys describe_fields lists for T under `prefix`: sections are not leaves, a list
// of sections is one leaf (its items' keys are not separate settings).
std::set<std::string> described_leaves(const std::vector<FieldDoc>& rows,
                                       const std::string& prefix) {
  std::set<std::string> leaves;
  for (const auto& row : rows) {
    if (!row.path.starts_with(prefix)) continue;
    const std::string key = row.path.substr(prefix.size());
    if (key.find("[]") != std::string::npos) continue;  // inside a list of sections
    if (row.type == "section" || row.type == "section or null") continue;
    leaves.insert(key);
  }
  return leaves;
}

TEST(StageSettingsTest, EveryKeyAStageCanHaveIsClassified) {
  Config config;
  config.make_data = MakeDataConfig{};
  config.make_data->dir = "data";
  const StageSettings settings = stage_settings(config, stage_with_every_section("all"));
  std::set<std::string> expected = described_leaves(describe_fields<StageConfig>(), "");
  for (const std::string section : {"model.", "sampling."}) {
    for (const auto& key : described_leaves(describe_fields<Config>(), section)) {
      expected.insert(section + key);
    }
  }
  expected.insert("run.seed");
  expected.insert("make_data");  // the section's identity, one setting
  std::set<std::string> produced;
  for (const auto& [key, value] : settings) produced.insert(key);
  EXPECT_EQ(produced, expected) << "stage_settings and the config structs disagree";
  for (const auto& key : expected) {
    EXPECT_TRUE(setting_effect(key).has_value())
        << key << " has no class: add it to the table in src/pipeline/stage_settings.cpp "
        << "(OBSERVE, EXTEND or CHANGE; docs/pipeline.md says what each means)";
  }
  // run.dir, threads, log_level and on_change are not stage settings: moving the folder or
  // changing the thread count leaves every stage as it was.
  EXPECT_EQ(settings.count("run.dir") + settings.count("run.threads"), 0u);
}

TEST(StageSettingsTest, EveryTableEntryMatchesAKey) {
  Config config;
  config.make_data = MakeDataConfig{};
  config.make_data->dir = "data";
  const StageSettings settings = stage_settings(config, stage_with_every_section("all"));
  for (const auto& entry : setting_table_entries()) {
    const bool matches = std::any_of(settings.begin(), settings.end(), [&](const auto& item) {
      return entry.ends_with('.') ? item.first.starts_with(entry) : item.first == entry;
    });
    EXPECT_TRUE(matches) << "the table entry '" << entry << "' matches no key (renamed?)";
  }
}

TEST(StageSettingsTest, ClassesOfTheKeysTheIssueNames) {
  using enum SettingEffect;
  EXPECT_EQ(setting_effect("grpo.max_steps"), EXTEND);
  EXPECT_EQ(setting_effect("sft.num_epochs"), EXTEND);
  EXPECT_EQ(setting_effect("grpo.save_steps"), OBSERVE);
  EXPECT_EQ(setting_effect("sft.logging_steps"), OBSERVE);
  EXPECT_EQ(setting_effect("grpo.eval.eval_steps"), OBSERVE);
  EXPECT_EQ(setting_effect("eval.data.path"), OBSERVE);  // an eval set
  EXPECT_EQ(setting_effect("grpo.optimizer.learning_rate"), CHANGE);
  EXPECT_EQ(setting_effect("grpo.optimizer.schedule.warmup_steps"), CHANGE);
  EXPECT_EQ(setting_effect("grpo.optimizer.skip_nonfinite_steps"), OBSERVE);  // exact beats section
  EXPECT_EQ(setting_effect("sft.data.path"), CHANGE);
  EXPECT_EQ(setting_effect("grpo.rewards"), CHANGE);
  EXPECT_EQ(setting_effect("model.architecture.hidden_size"), CHANGE);
  EXPECT_EQ(setting_effect("run.seed"), CHANGE);
  EXPECT_EQ(setting_effect("reward_model.max_steps"), EXTEND);
  EXPECT_EQ(setting_effect("reward_model.eval_data.path"), OBSERVE);  // a held-out set
  EXPECT_EQ(setting_effect("reward_model.center_rewards_coefficient"), CHANGE);
  EXPECT_EQ(setting_effect("grpo.no_such_key"), std::nullopt);
}

TEST(StageSettingsTest, DiffTellsExtensionsFromChanges) {
  Config config;
  StageConfig stage = stage_with_every_section("all");
  const StageSettings before = stage_settings(config, stage);
  stage.grpo->max_steps = 300;    // grows from 100: an extension
  stage.grpo->logging_steps = 5;  // observe
  stage.sft->max_steps = 10;      // 0 ("by epochs") -> 10: not more of the same
  stage.sft->num_epochs = 3;      // grows from 1
  stage.grpo->optimizer.learning_rate = 2e-6;
  std::vector<SettingChange> changes = diff_stage_settings(before, stage_settings(config, stage));
  ASSERT_EQ(changes.size(), 5u);
  std::map<std::string, SettingChange> by_key;
  for (const auto& change : changes) by_key[change.key] = change;
  EXPECT_FALSE(by_key.at("grpo.max_steps").invalidates_training);
  EXPECT_EQ(by_key.at("grpo.max_steps").before, "100");
  EXPECT_EQ(by_key.at("grpo.max_steps").after, "300");
  EXPECT_FALSE(by_key.at("grpo.logging_steps").invalidates_training);
  EXPECT_TRUE(by_key.at("sft.max_steps").invalidates_training);
  EXPECT_FALSE(by_key.at("sft.num_epochs").invalidates_training);
  EXPECT_TRUE(by_key.at("grpo.optimizer.learning_rate").invalidates_training);
  EXPECT_EQ(describe_setting_changes({by_key.at("grpo.max_steps")}, "rl"),
            "stages.rl.grpo.max_steps 100 -> 300");

  // Shrinking an extension key cuts the training so far: a change.
  StageConfig shorter = stage_with_every_section("all");
  shorter.grpo->max_steps = 50;
  changes = diff_stage_settings(before, stage_settings(config, shorter));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].invalidates_training);

  // A section that appears is a set of keys that were absent; the stage eval is observe.
  StageConfig no_eval = stage_with_every_section("all");
  no_eval.eval.reset();
  changes = diff_stage_settings(stage_settings(config, no_eval), before);
  ASSERT_FALSE(changes.empty());
  for (const auto& change : changes) {
    EXPECT_TRUE(change.key.starts_with("eval.")) << change.key;
    EXPECT_EQ(change.before, "(absent)");
    EXPECT_FALSE(change.invalidates_training) << change.key;
  }

  // A run-wide key is named as itself, not under the stage.
  Config other_seed;
  other_seed.run.seed = 7;
  changes =
      diff_stage_settings(before, stage_settings(other_seed, stage_with_every_section("all")));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(describe_setting_changes(changes, "rl"), "run.seed 1234 -> 7");
  EXPECT_TRUE(changes[0].invalidates_training);
}

}  // namespace
}  // namespace r1forge

namespace r1forge {
namespace {

// Other generated data is other training data: the make_data identity (generator version and
// settings, not the folder) is a CHANGE setting of every stage.
TEST(StageSettingsTest, TheGeneratedDataIsAChangeSettingOfEveryStage) {
  Config config;
  config.make_data = MakeDataConfig{};
  config.make_data->dir = "data";
  config.make_data->tasks.push_back({.task = "arithmetic", .train = 100, .test = 10, .seed = 1});
  const StageSettings before = stage_settings(config, stage_with_every_section("all"));
  Config moved = config;
  moved.make_data->dir = "elsewhere";
  EXPECT_TRUE(
      diff_stage_settings(before, stage_settings(moved, stage_with_every_section("all"))).empty());
  Config more = config;
  more.make_data->tasks[0].train = 200;
  const std::vector<SettingChange> changes =
      diff_stage_settings(before, stage_settings(more, stage_with_every_section("all")));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "make_data");
  EXPECT_EQ(changes[0].effect, SettingEffect::CHANGE);
}

}  // namespace
}  // namespace r1forge
