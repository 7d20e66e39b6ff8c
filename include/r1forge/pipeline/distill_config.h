// The `distill:` section of a distill stage. R1's distillation is plain SFT of a smaller
// student on the teacher's curated traces: the stage's `sft:` section holds that training
// (data: @rejection_sampling), its `init` + `architecture` the student (a preset initialised
// from nothing, or a folder). This section names the teacher and adds the optional logit
// distillation: the teacher's top-k log-probs on the traces or on the student's own samples,
// matched by forward KL, reverse KL or JSD (rl/distill_loss.h).
// Not here: the loop (sft_trainer.h), the loss formulas (rl/distill_loss.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/rl/distill_loss.h"
#include "r1forge/sampling/generation_config.h"

namespace r1forge {

struct DistillConfig {
  // The teacher: an earlier stage's name or a model folder. Must share the student's
  // tokenizer (checked before training). Loaded only when logit distillation is on.
  std::string teacher;
  double sft_weight = 1.0;     // weight of the cross-entropy on the traces (R1: the only term)
  double logit_weight = 0.0;   // weight of the logit-distillation term; 0 = off (R1's recipe)
  int64_t teacher_top_k = 20;  // teacher log-probs kept per position
  double teacher_temperature = 1.0;  // teacher softmax temperature for its top-k
  // traces: the divergence on the SFT rows' completion positions (offline KD);
  // student_samples: on completions the student samples for the same prompts (on-policy, GKD)
  std::string on = "traces";
  // How the student's samples are drawn (on: student_samples with logit_weight > 0; elsewhere
  // a setting differing from these defaults is a ConfigError), keys spliced flat into this
  // section as in the other generating sections: max_completion_length 256, temperature 1.
  GenerationSettings generation;
  DistillLossConfig loss;  // kind, tail, chunking

  bool operator==(const DistillConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("teacher", teacher, "teacher model: an earlier stage's name or a folder");
    v.field("sft_weight", sft_weight, "weight of the trace cross-entropy (R1: 1, the only term)",
            RealRange{0.0, 1e6});
    v.field("logit_weight", logit_weight, "weight of the logit-distillation term; 0 = off",
            RealRange{0.0, 1e6});
    v.field("teacher_top_k", teacher_top_k, "teacher log-probs kept per position",
            IntRange{1, 1 << 20});
    v.field("teacher_temperature", teacher_temperature, "teacher softmax temperature",
            RealRange{0.0, 100.0, true});
    v.field("on", on, "where the divergence is taken: traces | student_samples (on-policy)",
            OneOf{"traces", "student_samples"});
    generation.visit(v);  // the student's samples: max_completion_length, temperature, ...
    v.field("loss", loss, "divergence kind, tail handling, chunking");
  }
  // Keys renamed to the other generating sections' names; their errors name the new key.
  static std::vector<MovedKey> moved_keys() {
    return {{"max_new_tokens", "renamed: max_completion_length"},
            {"sample_temperature", "renamed: temperature"}};
  }
  // True when the student samples (and so the generation settings act).
  bool samples_student() const { return on == "student_samples" && logit_weight > 0.0; }
};

}  // namespace r1forge
