// What a stage folder's checkpoints belong to, and what the next attempt of the stage does
// with them. `stages/NN-<name>/attempt.json` records the settings (stage_settings.h) and the
// inputs (the output ids of the earlier stages it reads) of the attempt that owns the folder.
// A new attempt compares its own with them:
//   same, and the runner recorded the stage finished  -> SKIP
//   nothing trained yet (no checkpoint, no output)     -> START
//   only OBSERVE keys changed, or EXTEND keys grew     -> CONTINUE from the latest checkpoint
//   keys that change the training so far changed      -> run.on_change: error (REFUSE),
//                                                         restart (RESTART), continue (CONTINUE)
//   an earlier stage it reads will give another output -> SUPERSEDE: the folder moves aside to
//                                                         NN-<name>.superseded-<UTC time>/
// Only RESTART deletes checkpoints: nothing else removes what a user has not asked to remove.
// Not here: the classes of the keys (stage_settings.h), the pipeline loop (runner.h).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage_settings.h"

namespace r1forge {

struct StageIdentity {
  StageSettings settings;
  std::map<std::string, std::string> inputs;  // earlier stage it reads -> that stage's output id
  std::string fingerprint;  // hash of every setting and the inputs: "nothing differs"
  std::string output_id;    // hash of the EXTEND/CHANGE settings and the inputs: "final/ differs"
};

// The identity of `stage` of `config` given the output ids of the stages it reads.
StageIdentity stage_identity(const Config& config,
                             const StageConfig& stage,
                             const std::map<std::string, std::string>& inputs);
// Every stage's identity in order, each stage's inputs taken from the earlier identities.
std::map<std::string, StageIdentity> pipeline_identities(const Config& config);

// The attempt recorded in `stage_dir`: nullopt when there is no attempt.json; an identity with
// an empty fingerprint when it is unreadable or written by an older r1forge (settings unknown).
std::optional<StageIdentity> read_stage_attempt(const std::filesystem::path& stage_dir);

enum class AttemptAction { SKIP, START, CONTINUE, RESTART, SUPERSEDE, REFUSE };

struct AttemptPlan {
  AttemptAction action = AttemptAction::START;
  std::vector<SettingChange> changes;       // settings that differ from the folder's attempt
  std::vector<std::string> changed_inputs;  // earlier stages whose output ids differ
  bool settings_unknown = false;            // the folder's attempt.json is missing or unreadable
};

// The plan for the next attempt of the stage `name` in `stage_dir`. `finished`: the runner
// recorded the stage finished with `now.fingerprint` and its outputs exist. `on_change` is
// run.on_change (error | restart | continue).
AttemptPlan plan_stage_attempt(const std::filesystem::path& stage_dir,
                               const StageIdentity& now,
                               bool finished,
                               const std::string& on_change);

// "stage 'rl' (runs/x/stages/02-rl): ..." the message of a REFUSE plan: the changed keys and
// the choices.
std::string refusal_message(const std::string& name,
                            const std::filesystem::path& stage_dir,
                            const AttemptPlan& plan);

// Carries out a plan that runs the stage: RESTART deletes the folder, SUPERSEDE moves it
// aside; then the folder is created and attempt.json written for `now`. Logs what it did and
// which settings changed.
void begin_stage_attempt(const std::filesystem::path& stage_dir,
                         const std::string& name,
                         const AttemptPlan& plan,
                         const StageIdentity& now);

}  // namespace r1forge
