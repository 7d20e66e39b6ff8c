// The `tag_count` reward (open-r1's tag_count_reward): 0.25 for each of <think>, </think>,
// <answer>, </answer> that appears exactly once in the completion, so 0, 0.25, ..., 1. Never
// none. Options: require_newlines counts open-r1's exact forms ("<think>\n", "\n</think>\n",
// "\n<answer>\n", "\n</answer>"); think_in_prompt credits <think> when the completion has none
// (the prompt opened the block).
// Not here: the strict layout check (format.h).
#pragma once

#include <memory>
#include <string_view>

#include "r1forge/rl/reward.h"

namespace r1forge {

double tag_count_score(std::string_view completion, bool require_newlines, bool think_in_prompt);

extern const char* const kTagCountHelp;
std::unique_ptr<RewardFunction> make_tag_count_reward(RewardOptions& options);

}  // namespace r1forge
