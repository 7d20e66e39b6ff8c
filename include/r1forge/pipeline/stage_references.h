// How stages hand work to each other: a stage's `init` may name an earlier stage (its
// stages/NN-<name>/final/ model; a reward_model stage's final/ is a reward model, which only
// another reward_model stage may start from), and any data path (a `path` or `*_path` key
// anywhere in the stage's sections) may be `@<stage>` for that earlier stage's data output
// (rejection sampling's data.jsonl; a reward_model stage's final/ for a key naming a model).
// resolve_stage_references rewrites a copy of the config with real paths and checks, before
// anything trains, that every reference names an earlier stage that produces what is asked,
// and that every input file that no stage (and not the config's `make_data:` section)
// produces exists.
// Records inside the run folder never hold paths into it (the folder may move): they name
// earlier stages (portable_stage) or hold paths relative to run.dir (run_relative_path).
// Not here: running stages (stage.h, runner.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// The file a data-producing stage writes (rejection sampling: data.jsonl); empty when the
// stage type writes no data.
std::filesystem::path stage_data_output(const Config& config, const StageConfig& stage);
// True for stage types that leave a model in final/ (all but rejection_sampling and eval).
bool stage_produces_model(const std::string& type);
// True for stage types whose final/ is a causal LM (a policy that generates): all model
// stages but reward_model, whose final/ is a *ForSequenceClassification folder. A stage other
// than reward_model naming a reward_model stage as its init is a ConfigError.
bool stage_produces_policy(const std::string& type);

// True when the config's `make_data:` section makes `path` (a file or the tokenizer folder):
// an input that need not exist before the run, since the run makes it first.
bool made_by_make_data(const Config& config, const std::filesystem::path& path);

// Every data-path field of `stage` as (dotted key, pointer into the stage), found by walking
// its config structs: keys named `path` or ending in `_path`, and rewards' `options.path`
// (model folders: is_reward_model_path); empty values are skipped.
std::vector<std::pair<std::string, std::string*>> stage_data_paths(StageConfig& stage);

// A copy of `config` with init names and `@stage` paths replaced by the earlier stages'
// outputs. ConfigError naming `source` and `stages.<i>.<key>` for a reference to an unknown,
// later or non-producing stage, or an input file that does not exist (when
// `check_inputs_exist`; stage outputs are not checked, they are made by the run).
Config resolve_stage_references(const Config& config,
                                const std::string& source,
                                bool check_inputs_exist);

// The earlier stages `stage` (as written, unresolved) reads from: its init, its distillation
// teacher and its `@stage` data paths, each name once, in that order.
std::vector<std::string> stage_input_names(const Config& config, const StageConfig& stage);

// Whether a key stage_data_paths found is a reward's `options.path` (rewards[i].options.path,
// sources[j].rewards[i].options.path): a model folder, as the reward_model reward reads,
// rather than a data file.
bool is_reward_model_path(const std::string& key);

// `stage` of a resolved config with the references resolve_stage_references made written back
// as they are spelled in YAML (an earlier stage's final/ as its name, its data output as
// `@name`), so a record of it (a checkpoint's stage_config.yaml) names no path into run.dir.
StageConfig portable_stage(const Config& resolved, StageConfig stage);

// `path` relative to run.dir when it lies inside it (`stages/03-rl/final`), else unchanged.
std::string run_relative_path(const Config& config, const std::filesystem::path& path);

}  // namespace r1forge
