// `r1forge report RUN_DIR`: rewrites a run folder's report (report.json, report.md,
// report.html and the charts in plots/) from what its stages left, without training; for a
// finished or interrupted run, a copied folder, or after an r1forge upgrade that draws more.
// See pipeline/run_report.h.
#include "../command.h"
#include "r1forge/core/log.h"
#include "r1forge/pipeline/run_report.h"

namespace r1forge::app {
namespace {

CommandAction setup(CLI::App& root) {
  auto run_dir = std::make_shared<std::string>();
  CLI::App* command =
      root.add_subcommand("report", "Rewrite a run folder's report and charts (no training)");
  command->description(
      "Read RUN_DIR/config.resolved.yaml and pipeline_state.json, and rewrite report.json,\n"
      "report.md, report.html and plots/ (one SVG of training curves per stage with a\n"
      "metrics.jsonl, and plots/panels.json for scripts/plot_metrics.py). `r1forge run` writes\n"
      "the same files after every stage; nothing else in the folder changes. Safe beside a\n"
      "running pipeline: every file is replaced atomically.");
  command->add_option("run_dir", *run_dir, "the run folder (run.dir of its config)")->required();
  return [run_dir] {
    write_run_folder_report(*run_dir);
    R1F_LOG_INFO("report in ", (std::filesystem::path(*run_dir) / "report.md").string(), " and ",
                 (std::filesystem::path(*run_dir) / "report.html").string());
  };
}

const CommandRegistration registration(7, setup);  // after run, stage and launch

}  // namespace
}  // namespace r1forge::app
