// `r1forge run`: the stages of a config in order, each handed its predecessors' outputs
// (stage_references.h), each followed by its evaluation when it has an `eval:` section.
// pipeline_state.json (written atomically after every stage) records the finished stages
// with a hash of their resolved config; rerunning the same command skips them and starts at
// the first unfinished one. A stage whose config changed since it finished is rerun, and so
// is every stage after it (their inputs changed). After each stage report.json and
// report.md are rewritten from the state and the stages' eval.json files. The config's
// `make_data:` folder (data/make_data.h) is made before the first stage unless it is current;
// the checks before the run count the files it will make as present.
// Not here: one stage (stage.h), exact mid-stage resume with optimizer state ([order 5]).
#pragma once

#include <filesystem>
#include <string>

#include "r1forge/core/config.h"

namespace r1forge {

// Runs the whole pipeline into config.run.dir. `source` names the config file in messages.
void run_pipeline(const Config& config, const std::string& source);

// Rewrites run.dir/report.json and report.md from pipeline_state.json and the eval.json of
// each stage (see docs/pipeline.md for the schema).
void write_report(const Config& config);

}  // namespace r1forge
