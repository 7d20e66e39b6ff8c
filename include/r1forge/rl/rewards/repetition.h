// The `repetition` reward: open-r1's n-gram repetition penalty (get_repetition_penalty_reward,
// Yeo et al. 2025 App. C.2) over words: (1 - distinct n-grams / all n-grams) * max_penalty,
// so 0 for no repeated n-gram down to almost max_penalty for a loop. Words are the
// completion's lower-cased whitespace-separated tokens; a completion with fewer than
// ngram_size words scores 0. Never none.
// Not here: token-id n-grams (TRL's variant needs token ids, which RewardSample does not carry).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "r1forge/rl/reward.h"

namespace r1forge {

double repetition_penalty(std::string_view completion, int64_t ngram_size, double max_penalty);

extern const char* const kRepetitionHelp;
std::unique_ptr<RewardFunction> make_repetition_reward(RewardOptions& options);

}  // namespace r1forge
