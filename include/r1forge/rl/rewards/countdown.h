// The `countdown` reward (TinyZero's Countdown task): the last <answer>...</answer> holds an
// equation that uses each of metadata.numbers exactly once and evaluates to metadata.target
// (|value - target| < 1e-5). Scores: 1 correct, format_score (0.1) when an answer is present
// but wrong or invalid, 0 when there is no answer; none when numbers/target are missing.
// The equation is read by a small recursive-descent parser over digits, + - * / ( ) and
// spaces; nothing is ever handed to an interpreter. Division by zero makes it invalid.
// Not here: generating Countdown problems (data/tasks).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "r1forge/rl/reward.h"

namespace r1forge {

struct CountdownEquation {
  double value = 0;
  std::vector<int64_t> numbers;  // the integer literals, in order of appearance
};

// nullopt for anything but a well-formed equation over + - * / ( ) with integer literals
// (unary minus allowed), for a division by zero, or for nesting deeper than 100.
std::optional<CountdownEquation> parse_countdown_equation(std::string_view text);

enum class CountdownVerdict { NO_ANSWER, INVALID, WRONG_NUMBERS, WRONG_VALUE, CORRECT };

CountdownVerdict judge_countdown(std::string_view completion,
                                 const std::vector<int64_t>& numbers,
                                 double target);

extern const char* const kCountdownHelp;
std::unique_ptr<RewardFunction> make_countdown_reward(RewardOptions& options);

}  // namespace r1forge
