// `r1forge stage CONFIG NAME [a.b=c ...]`: runs one stage of a run config into
// run.dir/stages/NN-<name>/ (metrics.jsonl, samples.jsonl, final/), after making the config's
// `make_data:` folder when it is not current (data/make_data.h). The whole pipeline with
// stage-to-stage hand-over is `r1forge run` ([order 4]); this runs any one stage on its own.
#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/runner.h"

namespace r1forge::app {
namespace {

struct StageOptions {
  std::string config_path;
  std::string name;
  std::vector<std::string> overrides;
};

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<StageOptions>();
  CLI::App* command = root.add_subcommand("stage", "Run one stage of a config (e.g. GRPO)");
  command->description(
      "Run the stage NAME of CONFIG.yaml into run.dir/stages/NN-NAME/: metrics.jsonl (TRL\n"
      "metric names), samples.jsonl, model snapshots under checkpoints/, and final/ (an HF\n"
      "model folder). Overrides as in `r1forge config`, e.g. stages.NAME.grpo.max_steps=10.\n"
      "A rerun continues from the stage's latest checkpoint; run.on_change decides when\n"
      "settings that change its training differ (docs/pipeline.md). It locks the stage:\n"
      "a second process on it, or `r1forge run` on the folder, fails at once.");
  command->add_option("config", options->config_path, "the YAML config file")->required();
  command->add_option("name", options->name, "the stage's name (stages[].name)")->required();
  command->add_option("overrides", options->overrides, "overrides: a.b=v, +a.b=v, ++a.b=v, ~a.b");
  return [options] {
    Config config = load_config(options->config_path, options->overrides);
    run_pipeline_stage(config, options->name, options->config_path);
  };
}

const CommandRegistration registration(5, setup);

}  // namespace
}  // namespace r1forge::app
