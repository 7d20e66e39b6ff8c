// Learning-rate schedules as pure functions of the optimizer step: constant, linear decay and
// cosine decay (to min_lr_ratio x peak), each after a linear warmup, with Hugging Face
// transformers' `get_scheduler` semantics (the lr of step s is the one used by update s).
// Not here: the optimizer (optimizer.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

struct LrScheduleConfig {
  // constant | linear | cosine. RL recipes (R1, DAPO, Dr. GRPO) use constant; HF/TRL default
  // to linear; R1's SFT uses cosine decay to 0.1x (min_lr_ratio 0.1).
  std::string lr_scheduler_type = "constant";
  int64_t warmup_steps = 0;   // linear warmup from 0; takes precedence over warmup_ratio
  double warmup_ratio = 0.0;  // warmup as a fraction of the total optimizer steps
  double min_lr_ratio = 0.0;  // linear/cosine end at this fraction of the peak lr

  bool operator==(const LrScheduleConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("lr_scheduler_type", lr_scheduler_type, "constant | linear | cosine (after warmup)",
            OneOf{"constant", "linear", "cosine"});
    v.field("warmup_steps", warmup_steps, "linear warmup steps (over warmup_ratio when > 0)",
            IntRange{0, INT64_MAX});
    v.field("warmup_ratio", warmup_ratio, "warmup as a fraction of all optimizer steps",
            RealRange{0.0, 1.0});
    v.field("min_lr_ratio", min_lr_ratio, "decaying schedules end at this x peak lr",
            RealRange{0.0, 1.0});
  }
};

// The multiplier of the peak lr for optimizer step `step` (0-based) of `total_steps`, as HF:
// step / warmup during warmup (so the first update of a warmed-up run uses lr 0), then with
// progress p = (step - warmup) / max(1, total - warmup): constant 1, linear 1 - p, cosine
// (1 + cos(pi p)) / 2, the decaying ones mapped onto [min_lr_ratio, 1] and clamped at p = 1.
double lr_multiplier(const LrScheduleConfig& config, int64_t step, int64_t total_steps);

}  // namespace r1forge
