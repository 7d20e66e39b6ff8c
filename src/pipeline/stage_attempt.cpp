// Stage attempts and what the next one does; see pipeline/stage_attempt.h.
#include "r1forge/pipeline/stage_attempt.h"

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/core/sha256.h"
#include "r1forge/core/utc_time.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

constexpr int kAttemptVersion = 2;
constexpr const char* kAttemptFile = "attempt.json";

std::string short_hash(const nlohmann::json& value) {
  return sha256_hex(value.dump()).substr(0, 16);
}

// Anything an attempt made that a new one could lose: a checkpoint, a final model, data.
bool has_work(const fs::path& stage_dir) {
  std::error_code error;
  const fs::path checkpoints = stage_dir / "checkpoints";
  if (fs::is_directory(checkpoints, error) && !fs::is_empty(checkpoints, error)) return true;
  for (const char* output : {"final", "data.jsonl", "eval.json"}) {
    if (fs::exists(stage_dir / output, error)) return true;
  }
  return false;
}

fs::path superseded_folder(const fs::path& stage_dir) {
  const std::string base = stage_dir.string() + ".superseded-" + utc_time_compact();
  fs::path folder = base;
  for (int n = 2; fs::exists(folder); ++n) folder = base + "-" + std::to_string(n);
  return folder;
}

}  // namespace

StageIdentity stage_identity(const Config& config,
                             const StageConfig& stage,
                             const std::map<std::string, std::string>& inputs) {
  StageIdentity identity;
  identity.settings = stage_settings(config, stage);
  identity.inputs = inputs;
  StageSettings shaping;
  for (const auto& [key, value] : identity.settings) {
    if (setting_effect(key).value_or(SettingEffect::CHANGE) != SettingEffect::OBSERVE) {
      shaping[key] = value;
    }
  }
  identity.fingerprint = short_hash({{"settings", identity.settings}, {"inputs", inputs}});
  identity.output_id = short_hash({{"settings", shaping}, {"inputs", inputs}});
  return identity;
}

std::map<std::string, StageIdentity> pipeline_identities(const Config& config) {
  std::map<std::string, StageIdentity> identities;
  for (const auto& stage : config.stages) {
    std::map<std::string, std::string> inputs;
    for (const auto& name : stage_input_names(config, stage)) {
      inputs[name] = identities.at(name).output_id;
    }
    identities[stage.name] = stage_identity(config, stage, inputs);
  }
  return identities;
}

std::optional<StageIdentity> read_stage_attempt(const fs::path& stage_dir) {
  const fs::path path = stage_dir / kAttemptFile;
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  StageIdentity identity;
  try {
    const nlohmann::json record = read_json_file(path);
    if (record.value("version", 0) != kAttemptVersion) return identity;
    identity.settings = record.at("settings").get<StageSettings>();
    identity.inputs = record.at("inputs").get<std::map<std::string, std::string>>();
    identity.output_id = record.at("output_id").get<std::string>();
    identity.fingerprint = record.at("fingerprint").get<std::string>();
  } catch (const std::exception&) {
    return StageIdentity{};  // unreadable: the settings are unknown
  }
  return identity;
}

AttemptPlan plan_stage_attempt(const fs::path& stage_dir,
                               const StageIdentity& now,
                               bool finished,
                               const std::string& on_change) {
  AttemptPlan plan;
  const std::optional<StageIdentity> recorded = read_stage_attempt(stage_dir);
  if (finished && recorded && recorded->fingerprint == now.fingerprint) {
    plan.action = AttemptAction::SKIP;
    return plan;
  }
  if (!has_work(stage_dir)) {
    plan.action = AttemptAction::START;  // nothing trained yet that a change could spoil
    return plan;
  }
  bool invalidating = false;
  if (!recorded || recorded->fingerprint.empty()) {
    plan.settings_unknown = true;
    invalidating = true;
  } else {
    plan.changes = diff_stage_settings(recorded->settings, now.settings);
    for (const auto& change : plan.changes) invalidating |= change.invalidates_training;
    for (const auto& [name, output_id] : now.inputs) {
      auto old = recorded->inputs.find(name);
      if (old == recorded->inputs.end() || old->second != output_id) {
        plan.changed_inputs.push_back(name);
      }
    }
    for (const auto& [name, output_id] : recorded->inputs) {
      if (!now.inputs.count(name)) plan.changed_inputs.push_back(name);
    }
  }
  if (invalidating && on_change == "restart") {
    plan.action = AttemptAction::RESTART;
  } else if (!plan.changed_inputs.empty()) {
    plan.action = AttemptAction::SUPERSEDE;  // trained on other inputs: nothing to continue
  } else if (invalidating && on_change != "continue") {
    plan.action = AttemptAction::REFUSE;
  } else {
    plan.action = AttemptAction::CONTINUE;
  }
  return plan;
}

std::string refusal_message(const std::string& name,
                            const fs::path& stage_dir,
                            const AttemptPlan& plan) {
  std::vector<SettingChange> invalidating;
  for (const auto& change : plan.changes) {
    if (change.invalidates_training) invalidating.push_back(change);
  }
  const std::string what =
      plan.settings_unknown
          ? "holds checkpoints or outputs whose settings are unknown (no attempt.json of this "
            "r1forge version)"
          : "was trained with other settings that change the training so far: " +
                describe_setting_changes(invalidating, name);
  return "stage '" + name + "' (" + stage_dir.string() + ") " + what +
         ". Set run.on_change=continue to continue from its latest checkpoint with the new "
         "settings, or run.on_change=restart to delete its checkpoints and train it from step "
         "1; or undo the change";
}

void begin_stage_attempt(const fs::path& stage_dir,
                         const std::string& name,
                         const AttemptPlan& plan,
                         const StageIdentity& now) {
  R1F_CHECK(plan.action != AttemptAction::SKIP && plan.action != AttemptAction::REFUSE,
            "begin_stage_attempt of a stage that does not run");
  const std::string label = "stage '" + name + "'";
  const std::string changed =
      plan.settings_unknown ? "settings unknown" : describe_setting_changes(plan.changes, name);
  switch (plan.action) {
    case AttemptAction::RESTART:
      R1F_LOG_WARN(label, ": run.on_change=restart: deleting ", stage_dir.string(),
                   " (its checkpoints and logs) and training it from step 1; changed: ", changed);
      fs::remove_all(stage_dir);
      break;
    case AttemptAction::SUPERSEDE: {
      const fs::path aside = superseded_folder(stage_dir);
      std::string inputs;
      for (const auto& input : plan.changed_inputs) {
        if (!inputs.empty()) inputs += ", ";
        inputs += input;
      }
      R1F_LOG_WARN(label, ": the stages it reads from (", inputs,
                   ") give other outputs than it was trained on, so it starts from step 1; its "
                   "earlier attempt is kept in ",
                   aside.string(), " (delete that folder when you no longer need it)");
      fs::rename(stage_dir, aside);
      break;
    }
    case AttemptAction::CONTINUE: {
      bool invalidating = plan.settings_unknown;
      for (const auto& change : plan.changes) invalidating |= change.invalidates_training;
      if (invalidating) {
        R1F_LOG_WARN(label,
                     ": run.on_change=continue: continuing from its latest checkpoint "
                     "although settings that change the training so far differ (",
                     changed, "); the result matches no single run of either config");
      } else if (!plan.changes.empty()) {
        R1F_LOG_INFO(label,
                     ": continuing from its latest checkpoint; changed settings that "
                     "keep its training so far valid: ",
                     changed);
      }
      break;
    }
    default: break;
  }
  fs::create_directories(stage_dir);
  const nlohmann::ordered_json record = {{"version", kAttemptVersion},
                                         {"fingerprint", now.fingerprint},
                                         {"output_id", now.output_id},
                                         {"inputs", now.inputs},
                                         {"settings", now.settings}};
  atomic_write_file(stage_dir / kAttemptFile, record.dump(2) + "\n");
}

}  // namespace r1forge
