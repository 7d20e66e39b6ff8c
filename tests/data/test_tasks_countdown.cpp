// The Countdown task (data/tasks/countdown.h): a hand-built problem's trace and minimal
// parentheses, then every generated solution scored by the existing `countdown` reward (it must
// be 1: each number used exactly once, value equal to the target), the steps re-checked, the
// split disjoint and the output deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/data/tasks/countdown.h"
#include "r1forge/data/tasks/task_registry.h"
#include "r1forge/rl/rewards/countdown.h"
#include "rl/reward_test_util.h"

namespace r1forge::tasks {
namespace {

TEST(CountdownTask, PromptCompletionAndCanonical) {
  CountdownProblem problem{{25, 3, 5}, 60, "(25-5)*3", {"25-5=20", "20*3=60"}};
  EXPECT_EQ(countdown_canonical(problem), "3,5,25=60");  // sorted numbers: order is not the problem
  EXPECT_EQ(countdown_completion(problem),
            "<think>25-5=20 20*3=60 </think><answer>(25-5)*3</answer>");
  EXPECT_EQ(countdown_prompt(problem),
            "Using the numbers [25, 3, 5], create an equation that equals 60. You can use basic "
            "arithmetic operations (+, -, *, /) and each number must be used exactly once.");
}

TEST(CountdownTask, EverySolutionScoresOneWithTheCountdownReward) {
  CountdownConfig config;
  const TaskSplits splits = generate_countdown(config, 400, 100, /*seed=*/11);
  ASSERT_EQ(splits.train.size(), 400u);
  ASSERT_EQ(splits.test.size(), 100u);
  auto reward = testing::build_reward("countdown");
  auto format = testing::build_reward("format");
  std::set<std::string> train, test;
  std::set<char> operators_seen;
  std::set<int64_t> sizes;
  for (const auto* rows : {&splits.train, &splits.test}) {
    for (const nlohmann::json& row : *rows) {
      testing::OwnedSample sample{row["prompt"], row["completion"], row};
      EXPECT_EQ(testing::score_one(*reward, sample), 1.0) << row.dump();
      EXPECT_EQ(testing::score_one(*format, sample), 1.0) << row.dump();
      const std::vector<int64_t> numbers = row["numbers"];
      const int64_t target = row["target"];
      sizes.insert(static_cast<int64_t>(numbers.size()));
      EXPECT_EQ(row["num_numbers"], static_cast<int64_t>(numbers.size()));
      for (int64_t number : numbers) {
        EXPECT_GE(number, 1);
        EXPECT_LE(number, 99);
      }
      EXPECT_GE(target, 1);
      EXPECT_LE(target, 999);
      // The answer alone parses to the target and uses the numbers (the reward's own parser).
      auto equation = parse_countdown_equation(row["answer"].get<std::string>());
      ASSERT_TRUE(equation) << row.dump();
      EXPECT_DOUBLE_EQ(equation->value, static_cast<double>(target));
      std::vector<int64_t> used = equation->numbers, given = numbers;
      std::sort(used.begin(), used.end());
      std::sort(given.begin(), given.end());
      EXPECT_EQ(used, given);
      // numbers.size() - 1 steps, each "a op b=c" true, the last one reaching the target.
      std::string think = row["completion"];
      think = think.substr(7, think.find("</think>") - 7);
      int64_t steps = 0, last = -1;
      for (size_t at = 0; at < think.size();) {
        const size_t end = think.find(' ', at);
        const std::string step = think.substr(at, end - at);
        const size_t equals = step.find('=');
        auto lhs = parse_countdown_equation(step.substr(0, equals));
        ASSERT_TRUE(lhs) << step;
        last = std::stoll(step.substr(equals + 1));
        EXPECT_EQ(lhs->value, static_cast<double>(last)) << step;  // exact: integers
        EXPECT_GT(last, 0) << step;
        const size_t op_at = step.find_first_of("+-*/");
        const char op = step[op_at];
        operators_seen.insert(op);
        if (op == '*' || op == '/') {  // no step multiplies or divides by 1
          EXPECT_NE(step.substr(op_at + 1, equals - op_at - 1), "1") << step;
          EXPECT_TRUE(op == '/' || step.substr(0, op_at) != "1") << step;
        }
        ++steps;
        at = end + 1;
      }
      EXPECT_EQ(steps, static_cast<int64_t>(numbers.size()) - 1);
      EXPECT_EQ(last, target);
      EXPECT_TRUE((rows == &splits.test ? test : train)
                      .insert(countdown_canonical({numbers, target, "", {}}))
                      .second);
    }
  }
  EXPECT_EQ(sizes, (std::set<int64_t>{3, 4}));
  EXPECT_EQ(operators_seen, (std::set<char>{'+', '-', '*', '/'}));
  for (const std::string& problem : test) EXPECT_EQ(train.count(problem), 0u) << problem;
}

TEST(CountdownTask, OperatorSubsetAndDeterminism) {
  CountdownConfig config;
  config.operators = "+-";
  config.max_target = 400;
  const TaskSplits splits = generate_countdown(config, 100, 20, 4);
  for (const auto& row : splits.train) {
    const std::string answer = row["answer"];
    EXPECT_EQ(answer.find_first_of("*/"), std::string::npos) << answer;
    EXPECT_LE(row["target"].get<int64_t>(), 400);
  }
  EXPECT_EQ(generate_countdown(config, 100, 20, 4).train, splits.train);
  EXPECT_NE(generate_countdown(config, 100, 20, 5).train, splits.train);
}

TEST(CountdownTask, OptionErrors) {
  const std::string where = "make-data --task countdown";
  EXPECT_THROW(parse_task_options<CountdownConfig>({"operators=+x"}, where), ConfigError);
  EXPECT_THROW(parse_task_options<CountdownConfig>({"operators="}, where), ConfigError);
  EXPECT_THROW(parse_task_options<CountdownConfig>({"min_numbers=4", "max_numbers=3"}, where),
               ConfigError);
  EXPECT_THROW(parse_task_options<CountdownConfig>({"targets=4"}, where), ConfigError);
  EXPECT_EQ(parse_task_options<CountdownConfig>({"max_numbers=5"}, where).max_numbers, 5);
}

}  // namespace
}  // namespace r1forge::tasks
