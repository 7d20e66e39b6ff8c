// `r1forge run CONFIG [a.b=c ...]`: the whole pipeline of a config, stage after stage, into
// run.dir (pipeline_state.json, stages/NN-<name>/, report.json/md/html, plots/). Rerunning the
// same command resumes: finished stages are skipped. See pipeline/runner.h.
#include "../command.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/runner.h"

namespace r1forge::app {
namespace {

struct RunOptions {
  std::string config_path;
  std::vector<std::string> overrides;
};

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = root.add_subcommand("run", "Run every stage of a config (the R1 pipeline)");
  command->description(
      "Make the config's make_data: folder unless it is current (synthetic data, tokenizer),\n"
      "then run the stages of CONFIG.yaml in order into run.dir: each stage's init may name an\n"
      "earlier stage (its final/ model) and data paths may be @STAGE (an earlier stage's\n"
      "data output). References and input files are checked before anything trains.\n"
      "pipeline_state.json records finished stages; rerunning the same command skips them\n"
      "and continues an interrupted or extended stage from its latest checkpoint;\n"
      "run.on_change decides when settings that change a stage's training differ.\n"
      "report.json, report.md and report.html hold every stage's time, evaluation and\n"
      "training curves (plots/; `r1forge report RUN_DIR` redraws them); logs/ the log of\n"
      "every attempt. The run folder is locked: a second process on it fails at once.");
  command->add_option("config", options->config_path, "the YAML config file")->required();
  command->add_option("overrides", options->overrides, "overrides: a.b=v, +a.b=v, ++a.b=v, ~a.b");
  return [options] {
    Config config = load_config(options->config_path, options->overrides);
    run_pipeline(config, options->config_path);
  };
}

const CommandRegistration registration(3, setup);

}  // namespace
}  // namespace r1forge::app
