// Tests of the `countdown` reward (TinyZero's Countdown scoring; rl/rewards/countdown.h): the
// safe equation parser (operators, precedence, division by zero, malformed input, nesting and
// overflow limits), the multiset check on the numbers, and the 1 / 0.1 / 0 / none scores.
#include <gtest/gtest.h>

#include <string>

#include "r1forge/rl/rewards/countdown.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

std::optional<double> value_of(const std::string& equation) {
  auto parsed = parse_countdown_equation(equation);
  if (!parsed) return std::nullopt;
  return parsed->value;
}

TEST(RewardCountdownParser, EvaluatesWithPrecedence) {
  EXPECT_EQ(value_of("1 + 2 * 3"), 7.0);
  EXPECT_EQ(value_of("(1 + 2) * 3"), 9.0);
  EXPECT_EQ(value_of("8 / 4 / 2"), 1.0);  // left associative
  EXPECT_EQ(value_of("10 - 4 - 3"), 3.0);
  EXPECT_EQ(value_of("-3 + 5"), 2.0);
  EXPECT_EQ(value_of(" ( ( 7 ) ) "), 7.0);
  EXPECT_DOUBLE_EQ(*value_of("1 / 3 * 3"), 1.0);
  auto parsed = parse_countdown_equation("(25 - 5) * 3 + 4");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->numbers, (std::vector<int64_t>{25, 5, 3, 4}));
}

TEST(RewardCountdownParser, RejectsWhatIsNotAnEquation) {
  for (const char* bad :
       {"", "   ", "1 +", "(1 + 2", "1 + 2)", "2 ** 3", "7 // 2", "2(3)", "1.5 + 2", "x + 1",
        "1 = 1", "4 / (2 - 2)", "1 / 0", "1e3", "99999999999999999999 + 1", "import os",
        "__import__('os')", "1 + + ", "\u22123 + 5"}) {
    EXPECT_FALSE(parse_countdown_equation(bad).has_value()) << bad;
  }
  auto nested = [](size_t depth) {
    std::string text(depth, '(');
    text.push_back('1');
    text.append(depth, ')');
    return text;
  };
  EXPECT_FALSE(parse_countdown_equation(nested(500)));  // deeper than the parser's limit
  EXPECT_TRUE(parse_countdown_equation(nested(50)));
}

TEST(RewardCountdown, Verdicts) {
  const std::vector<int64_t> numbers = {3, 5, 25};
  EXPECT_EQ(judge_countdown("<answer>(25 - 5) * 3</answer>", numbers, 60),
            CountdownVerdict::CORRECT);
  EXPECT_EQ(judge_countdown("<answer>25 * 3 - 5</answer>", numbers, 60),
            CountdownVerdict::WRONG_VALUE);
  EXPECT_EQ(judge_countdown("<answer>25 * 3</answer>", numbers, 75),
            CountdownVerdict::WRONG_NUMBERS);  // 5 unused
  EXPECT_EQ(judge_countdown("<answer>25 * 3 - 5 - 5</answer>", numbers, 65),
            CountdownVerdict::WRONG_NUMBERS);  // 5 used twice
  EXPECT_EQ(judge_countdown("<answer>25 * 3 = 75</answer>", numbers, 75),
            CountdownVerdict::INVALID);
  EXPECT_EQ(judge_countdown("no answer, (25 - 5) * 3", numbers, 60), CountdownVerdict::NO_ANSWER);
  // The last answer tag counts.
  EXPECT_EQ(judge_countdown("<answer>1</answer> <answer>(25 - 5) * 3</answer>", numbers, 60),
            CountdownVerdict::CORRECT);
  // Division: 25 / 5 * 3 = 15 exactly; non-integer intermediate values are fine.
  EXPECT_EQ(judge_countdown("<answer>3 / 5 * 25</answer>", numbers, 15), CountdownVerdict::CORRECT);
}

TEST(RewardCountdown, ScoresAndOptions) {
  auto reward = testing::build_reward("countdown");
  nlohmann::json problem = {{"numbers", {3, 5, 25}}, {"target", 60}};
  OwnedSample correct{"", "<think>try</think><answer>(25 - 5) * 3</answer>", problem};
  OwnedSample wrong{"", "<answer>25 + 5 + 3</answer>", problem};
  OwnedSample invalid{"", "<answer>(25 - 5) x 3</answer>", problem};
  OwnedSample missing{"", "I think it is 60", problem};
  OwnedSample no_numbers{"", "<answer>1</answer>", {{"target", 1}}};
  OwnedSample bad_numbers{"", "<answer>1</answer>", {{"numbers", {1.5}}, {"target", 1}}};
  std::vector<RewardScore> scores =
      testing::score_all(*reward, {correct, wrong, invalid, missing, no_numbers, bad_numbers});
  EXPECT_EQ(scores, (std::vector<RewardScore>{1.0, 0.1, 0.1, 0.0, std::nullopt, std::nullopt}));
  EXPECT_EQ(reward->diagnostics().at("missing_fields"), 2.0);
  auto custom = testing::build_reward(
      "countdown", {{"format_score", "0"}, {"numbers_field", "nums"}, {"target_field", "goal"}});
  OwnedSample renamed{"", "<answer>2 * 2</answer>", {{"nums", {2, 2}}, {"goal", 5}}};
  EXPECT_EQ(testing::score_one(*custom, renamed), 0.0);
  renamed.metadata["goal"] = 4.0;
  EXPECT_EQ(testing::score_one(*custom, renamed), 1.0);
}

}  // namespace
}  // namespace r1forge
