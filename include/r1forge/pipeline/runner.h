// `r1forge run`: the stages of a config in order, each handed its predecessors' outputs
// (stage_references.h), each followed by its evaluation when it has an `eval:` section; and
// `r1forge stage`: one of them. Both hold the run folder (run_session.h: a lock that keeps a
// second process out, and a log file of the attempt) and decide per stage, from its
// attempt.json, whether to skip it, continue it from its latest checkpoint, or start it
// afresh (stage_attempt.h). pipeline_state.json (written atomically after every stage)
// records the finished stages with their fingerprints; rerunning the same command skips them.
// After each stage the run report (report.json, report.md, report.html, plots/) is rewritten
// from the state and the stages' files (run_report.h). Every path recorded in the run folder
// is relative to it.
// The config's `make_data:` folder (data/make_data.h) is made first, under the lock, unless
// it is current; the checks before the run count the files it will make as present.
// Not here: one stage's algorithm (stage.h), checkpoints (stage_checkpointer.h).
#pragma once

#include <filesystem>
#include <string>

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// Runs the whole pipeline into config.run.dir. `source` names the config file in messages.
// ConfigError before any work when a stage's changed settings need run.on_change; IoError
// when another process holds the run folder.
void run_pipeline(const Config& config, const std::string& source);

// `r1forge stage`: runs the stage `name` into config.run.dir with the locks, log file and
// attempt rules of run_pipeline, without recording it in pipeline_state.json.
void run_pipeline_stage(const Config& config, const std::string& name, const std::string& source);

}  // namespace r1forge
