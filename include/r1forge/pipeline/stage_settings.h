// A stage's settings as a flat map (key -> value as flow YAML), and what changing each key
// between two attempts of the stage does to what it has trained so far:
//   OBSERVE  logs, saves, evaluates or schedules the work differently (logging_steps,
//            save_steps, eval sets, micro-batch and chunk sizes, device): the checkpoints
//            stay valid and the stage continues from its latest one;
//   EXTEND   asks for more of the same training (max_steps, num_epochs): valid when it grows,
//            and the stage continues from its latest checkpoint to the new end;
//   CHANGE   changes the training so far (learning rate, data, rewards, shapes, seed): the
//            checkpoints were trained otherwise, so run.on_change decides (stage_attempt.h).
// Every key has a class: the table in stage_settings.cpp names each key or a whole section,
// and a test fails when a key a config struct gains has none.
// Not here: what the runner does with a change (stage_attempt.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

enum class SettingEffect { OBSERVE, EXTEND, CHANGE };

// Keys of the stage's own section as in YAML under the stage (`grpo.max_steps`, `init`;
// a list of sections such as `grpo.rewards` is one key), plus the run-wide settings every
// stage depends on (`model.*`, `sampling.*`, `run.seed`). Absent optional sections add no keys.
using StageSettings = std::map<std::string, std::string>;

// The settings of `stage` of `config`, as written (references to earlier stages by name).
StageSettings stage_settings(const Config& config, const StageConfig& stage);

// The class of `key` (a key of StageSettings); nullopt when the table has none.
std::optional<SettingEffect> setting_effect(std::string_view key);

// One key whose value differs between two attempts ("(absent)" for a missing key).
struct SettingChange {
  std::string key;
  std::string before;
  std::string after;
  SettingEffect effect = SettingEffect::CHANGE;
  // True when the training so far no longer fits: a CHANGE key, an EXTEND key that shrank, or
  // an unclassified key (treated as CHANGE).
  bool invalidates_training = true;
};

// The keys whose values differ, sorted by key.
std::vector<SettingChange> diff_stage_settings(const StageSettings& before,
                                               const StageSettings& after);

// "grpo.max_steps 3 -> 6, grpo.optimizer.learning_rate 0.0001 -> 0.0002" with stage keys
// written as overrides (`stages.<stage>.grpo.max_steps`).
std::string describe_setting_changes(const std::vector<SettingChange>& changes,
                                     const std::string& stage);

// The table's entries (exact keys, and sections written with a trailing '.'), for the test
// that keeps it complete and free of stale entries.
std::vector<std::string> setting_table_entries();

}  // namespace r1forge
