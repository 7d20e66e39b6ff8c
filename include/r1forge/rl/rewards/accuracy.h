// The `accuracy` reward: 1 when the completion's final answer is equivalent to the gold answer
// in the sample's metadata, 0 when it is not or gives none, none when the gold is missing or
// unusable (TRL's accuracy_reward). Extraction and equivalence are in math_answer.h; the
// options are shared with the `length` reward, which needs the same verdict.
// Not here: the answer grammar (math_parse.h, math_equivalence.h), length shaping (length.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "r1forge/rl/reward.h"
#include "r1forge/rl/rewards/math_answer.h"

namespace r1forge {

struct AccuracyConfig {
  std::string answer_field = "answer";  // metadata key of the gold answer or solution
  math::ExtractionOptions extraction;
};

// Reads answer_field, sources, require_latex (see docs/rewards.md).
AccuracyConfig read_accuracy_config(RewardOptions& options);

// true/false, or nullopt when the sample's gold answer is missing or unusable.
std::optional<bool> answer_is_correct(const RewardSample& sample, const AccuracyConfig& config);

extern const char* const kAccuracyHelp;
std::unique_ptr<RewardFunction> make_accuracy_reward(RewardOptions& options);

}  // namespace r1forge
