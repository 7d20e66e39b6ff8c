// The pretrain and sft stage types: supervised training of the stage's init model on its
// `sft:` section, written to stages/NN-<name>/final/. pretrain reads text rows and counts every
// token; sft reads prompt/completion rows and (by default) counts only completion tokens.
// Not here: the loop (sft_trainer.h), distillation (distill_stage.h).
#pragma once

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

void run_sft_stage(const Config& config, const StageConfig& stage);

}  // namespace r1forge
