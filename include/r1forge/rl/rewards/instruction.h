// The `instruction` reward, for rule-checkable instructions with one exact answer (the
// data/tasks instructions task: reverse, sort, count, format): 1 when the content of the last
// <answer>...</answer>, trimmed, equals metadata[answer_field] (trimmed) exactly, 0 when it
// differs or there is no complete answer tag, none when the row has no usable answer (missing,
// null, empty, or not a string or integer). With case_sensitive false, ASCII letters compare
// without case. Not here: math equivalence (accuracy.h), the task generator
// (data/tasks/instructions.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "r1forge/rl/reward.h"

namespace r1forge {

struct InstructionRewardConfig {
  std::string answer_field = "answer";  // metadata key of the exact expected output
  bool case_sensitive = true;           // false: ASCII letters compare without case
};

// 1 / 0 for a usable gold, nullopt for none (see the file comment).
std::optional<double> instruction_score(std::string_view completion,
                                        const nlohmann::json* gold,
                                        const InstructionRewardConfig& config);

extern const char* const kInstructionHelp;
std::unique_ptr<RewardFunction> make_instruction_reward(RewardOptions& options);

}  // namespace r1forge
