// The `length` reward: cosine-scaled length shaping of correctness (Yeo et al. 2025,
// "Demystifying Long Chain-of-Thought Reasoning", App. C.1; open-r1/TRL
// get_cosine_scaled_reward). A correct answer earns max_value_correct at length 0 falling to
// min_value_correct at max_len; a wrong one earns min_value_wrong at length 0 rising to
// max_value_wrong at max_len (so short wrong answers are punished most). Lengths past max_len
// stay at the max_len value (TRL's clamp). Correctness is the accuracy reward's verdict on the
// same sample (accuracy.h options apply); none when the gold is missing.
// Not here: DAPO's overlong penalty (soft_overlong.h).
#pragma once

#include <memory>

#include "r1forge/rl/reward.h"

namespace r1forge {

struct CosineLengthConfig {
  double min_value_wrong = -1.0;
  double max_value_wrong = -0.5;
  double min_value_correct = 0.5;
  double max_value_correct = 1.0;
  int64_t max_len = 1000;
};

double cosine_length_score(bool correct, int64_t length, const CosineLengthConfig& config);

extern const char* const kLengthHelp;
std::unique_ptr<RewardFunction> make_length_reward(RewardOptions& options);

}  // namespace r1forge
