// The pretrain and sft stages; see pipeline/sft_stage.h.
#include "r1forge/pipeline/sft_stage.h"

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/pipeline/sft_trainer.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {

void run_sft_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.sft.has_value(), "stage '", stage.name, "' has no sft: section");
  StageModel model = load_stage_model(config, stage);
  SftTrainer trainer(*stage.sft, model, stage_directory(config, stage), stage.name,
                     derive_seed(config.run.seed, "stage:" + stage.name),
                     /*text_rows=*/stage.type == "pretrain");
  trainer.set_stage_config(to_yaml(portable_stage(config, stage)));
  trainer.run();
}

}  // namespace r1forge
