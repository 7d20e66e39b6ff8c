// The distill stage type: a student (the stage's init, usually a smaller preset shape via
// `architecture:`) trained on the teacher's curated traces with the SFT loop, plus the optional
// logit-distillation term of its `distill:` section. The teacher must share the student's
// tokenizer; both are checked before any training.
// Not here: the SFT loop (sft_trainer.h), the divergences (rl/distill_loss.h).
#pragma once

#include "r1forge/pipeline/run_config.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

void run_distill_stage(const Config& config, const StageConfig& stage);

// ConfigError naming `where` unless the two tokenizers map every id to the same piece.
void check_same_tokenizer(const Tokenizer& student,
                          const Tokenizer& teacher,
                          const std::string& where);

}  // namespace r1forge
