// The `soft_overlong` reward: DAPO's soft overlong punishment (Yu et al. 2025, eq. 13; TRL
// get_soft_overlong_punishment, verl's overlong buffer): 0 up to max_length - cache_length
// completion tokens, then falling linearly to -1 at max_length, and -1 beyond. max_length
// defaults to the stage's max_new_tokens (RewardSample::max_completion_tokens); none when
// neither is known. Add it to an accuracy reward (it never rewards, only punishes).
// Not here: masking truncated completions out of the loss (the GRPO stage's overlong filter).
#pragma once

#include <cstdint>
#include <memory>

#include "r1forge/rl/reward.h"

namespace r1forge {

double soft_overlong_penalty(int64_t length, int64_t max_length, int64_t cache_length);

extern const char* const kSoftOverlongHelp;
std::unique_ptr<RewardFunction> make_soft_overlong_reward(RewardOptions& options);

}  // namespace r1forge
