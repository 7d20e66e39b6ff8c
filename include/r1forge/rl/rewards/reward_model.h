// The `reward_model` reward: a trained reward model's scalar score of (prompt, completion), as
// R1's general RL scores helpfulness (on the final summary) and harmlessness (on the whole
// response). The model is an HF *ForSequenceClassification folder with its tokenizer (what the
// reward_model stage saves, or a transformers one); the text is laid out as the preference
// data it was trained on (data/preference_dataset.h): the templated prompt encoded with the
// tokenizer's specials, the scored span encoded apart, EOS after a finished completion.
// Options: path, span (completion | answer), batch_size, max_length, add_eos, prompt_format,
// scale and shift (a fixed affine on the score), device, dtype. The model loads at the first
// score() call, so a run may name a reward model an earlier stage of the same run trains.
// Not here: the model (model/reward_model.h), training it (the reward_model stage).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "r1forge/rl/reward.h"

namespace r1forge {

// The part of `completion` a reward model reads: the whole completion, or (span "answer")
// what follows the last "</think>" with surrounding whitespace trimmed (the whole completion
// when it has none: nothing was hidden from the reader).
std::string_view reward_model_span(std::string_view completion, std::string_view span);

extern const char* const kRewardModelHelp;
std::unique_ptr<RewardFunction> make_reward_model_reward(RewardOptions& options);

}  // namespace r1forge
