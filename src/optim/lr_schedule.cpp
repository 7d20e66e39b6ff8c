// Learning-rate schedules; see optim/lr_schedule.h.
#include "r1forge/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "r1forge/core/check.h"

namespace r1forge {

double lr_multiplier(const LrScheduleConfig& config, int64_t step, int64_t total_steps) {
  R1F_CHECK(step >= 0 && total_steps >= 0, "lr schedule: step ", step, " of ", total_steps);
  const int64_t warmup =
      config.warmup_steps > 0
          ? config.warmup_steps
          : static_cast<int64_t>(std::ceil(config.warmup_ratio * static_cast<double>(total_steps)));
  if (step < warmup)
    return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  if (config.lr_scheduler_type == "constant") return 1.0;
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup) /
                        static_cast<double>(std::max<int64_t>(1, total_steps - warmup)));
  double decay = 0.0;
  if (config.lr_scheduler_type == "linear") {
    decay = 1.0 - progress;
  } else if (config.lr_scheduler_type == "cosine") {
    decay = 0.5 * (1.0 + std::cos(M_PI * progress));
  } else {
    R1F_THROW(ConfigError, "lr_scheduler_type '", config.lr_scheduler_type,
              "' is not one of constant, linear, cosine");
  }
  return config.min_lr_ratio + (1.0 - config.min_lr_ratio) * decay;
}

}  // namespace r1forge
