// The `format` reward: 1 when the completion is exactly the R1-Zero layout
// "<think>...</think><answer>...</answer>" (whitespace around and between the blocks allowed,
// nothing else outside them, one of each tag, a non-blank answer), else 0. Never none.
// With think_in_prompt the leading <think> may be missing, for prompts (R1 chat templates)
// that already end with "<think>" (algorithms.md 12.2); unset, it is read off each prompt.
// Not here: partial credit per tag (tag_count.h), the answer's correctness (accuracy.h).
#pragma once

#include <memory>
#include <string_view>

#include "r1forge/rl/reward.h"

namespace r1forge {

bool has_r1_format(std::string_view completion, bool think_in_prompt);
// Whether a prompt ends with "<think>" (trailing whitespace aside): DeepSeek-R1's chat template
// opens the think block in its generation prompt, so completions start inside it. The reward's
// think_in_prompt default.
bool prompt_ends_inside_think(std::string_view prompt);

extern const char* const kFormatHelp;
std::unique_ptr<RewardFunction> make_format_reward(RewardOptions& options);

}  // namespace r1forge
