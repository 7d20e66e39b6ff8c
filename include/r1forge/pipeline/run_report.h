// The run report: report.json, report.md and report.html in run.dir, rewritten from
// pipeline_state.json and each finished stage's eval.json / reward_model.json after every
// stage (runner.h) and by `r1forge report RUN_DIR`. Every stage with a metrics.jsonl also gets
// its training curves drawn as plots/NN-<name>.svg (stage_plots.h picks the panels; a list of
// them goes to plots/panels.json for scripts/plot_metrics.py). report.md embeds those SVGs
// under the stage table; report.html is one self-contained page (inline SVG and CSS, nothing
// fetched, no scripts) with the same table, the reward-model lines and every chart.
// Not here: running stages (runner.h), the charts' drawing (core/svg_chart.h).
#pragma once

#include <filesystem>

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// Rewrites the report files and plots of config.run.dir (see docs/pipeline.md for the schema).
// IoError / ConfigError / DataError naming the file when pipeline_state.json or a stage's
// eval.json is missing or malformed; every file is built before any is written, so a failure
// leaves the earlier report as it was.
void write_report(const Config& config);

// `r1forge report`: loads RUN_DIR/config.resolved.yaml (with run.dir set to `run_dir`, so a
// moved folder reports where it is) and writes its report. ConfigError naming the file when
// the folder has no config.resolved.yaml or pipeline_state.json.
void write_run_folder_report(const std::filesystem::path& run_dir);

}  // namespace r1forge
