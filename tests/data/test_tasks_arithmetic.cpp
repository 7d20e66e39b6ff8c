// The arithmetic task (data/tasks/arithmetic.h): the running-sum trace and prompts by hand, then
// generated rows checked against an independent evaluation of their prompt, the accuracy and
// format rewards, the split rule (disjoint whatever the sizes), determinism and the options.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/arithmetic_oracle.h"
#include "r1forge/core/check.h"
#include "r1forge/data/tasks/arithmetic.h"
#include "r1forge/data/tasks/task_registry.h"
#include "rl/reward_test_util.h"

namespace r1forge::tasks {
namespace {

using testing::evaluate_arithmetic;

TEST(ArithmeticTask, TraceIsARunningSum) {
  const ArithmeticProblem sum{{7, 5, 8}, "++"};
  // 7+5 = 12, then 12+8 = 20: each step "running op operand = new running", space-separated,
  // with a space before </think>.
  EXPECT_EQ(arithmetic_expression(sum), "7+5+8");
  EXPECT_EQ(arithmetic_value(sum), 20);
  EXPECT_EQ(arithmetic_steps(sum), (std::vector<std::string>{"7+5=12", "12+8=20"}));
  EXPECT_EQ(arithmetic_completion(sum), "<think>7+5=12 12+8=20 </think><answer>20</answer>");
  const ArithmeticProblem mixed{{9, 4, 7, 12}, "-+-"};
  // 9-4 = 5, 5+7 = 12, 12-12 = 0.
  EXPECT_EQ(arithmetic_completion(mixed), "<think>9-4=5 5+7=12 12-12=0 </think><answer>0</answer>");
}

TEST(ArithmeticTask, PromptStylesAndLanguages) {
  const ArithmeticProblem sum{{7, 5, 8}, "++"};
  const ArithmeticProblem mixed{{9, 4, 7}, "-+"};
  EXPECT_EQ(arithmetic_prompt(sum, "compact", "en"), "7+5+8");
  EXPECT_EQ(arithmetic_prompt(sum, "compact", "zh"), "7+5+8");
  EXPECT_EQ(arithmetic_prompt(sum, "words", "en"), "What is 7+5+8?");
  EXPECT_EQ(arithmetic_prompt(sum, "words", "zh"), "计算 7+5+8 的和。");
  EXPECT_EQ(arithmetic_prompt(mixed, "words", "zh"), "计算 9-4+7 的值。");
}

TEST(ArithmeticTask, RowsAreCorrectScoreOneAndSplitsAreDisjoint) {
  ArithmeticConfig config;
  config.digits = 2;
  config.operators = "+-";
  const TaskSplits splits = generate_arithmetic(config, 400, 100, /*seed=*/7);
  ASSERT_EQ(splits.train.size(), 400u);
  ASSERT_EQ(splits.test.size(), 100u);
  auto accuracy = testing::build_reward("accuracy");
  auto format = testing::build_reward("format");
  std::set<std::string> train_problems, test_problems;
  bool saw_minus = false;
  for (const auto* rows : {&splits.train, &splits.test}) {
    const bool is_test = rows == &splits.test;
    for (size_t i = 0; i < rows->size(); ++i) {
      const nlohmann::json& row = (*rows)[i];
      const std::string prompt = row["prompt"];
      EXPECT_EQ(row["id"],
                std::string("arithmetic-") + (is_test ? "test-" : "train-") + std::to_string(i));
      EXPECT_EQ(row["task"], "arithmetic");
      EXPECT_EQ(row["language"], "en");
      std::vector<int64_t> operands;
      const int64_t value = evaluate_arithmetic(prompt, &operands);
      EXPECT_EQ(row["answer"], std::to_string(value)) << prompt;
      EXPECT_EQ(row["num_terms"], static_cast<int64_t>(operands.size()));
      EXPECT_GE(operands.size(), 3u);
      EXPECT_LE(operands.size(), 6u);
      for (int64_t operand : operands) {
        EXPECT_GE(operand, 10) << prompt;  // two digits
        EXPECT_LE(operand, 99) << prompt;
      }
      saw_minus = saw_minus || prompt.find('-') != std::string::npos;
      // nonnegative: no running value below 0, so no "=-" in the trace.
      EXPECT_EQ(row["completion"].get<std::string>().find("=-"), std::string::npos);
      testing::OwnedSample sample{prompt, row["completion"], row};
      EXPECT_EQ(testing::score_one(*accuracy, sample), 1.0) << row.dump();
      EXPECT_EQ(testing::score_one(*format, sample), 1.0) << row.dump();
      EXPECT_EQ(in_test_split(7, kArithmeticTask, prompt, config.test_fraction), is_test);
      EXPECT_TRUE((is_test ? test_problems : train_problems).insert(prompt).second)
          << "repeated " << prompt;
    }
  }
  EXPECT_TRUE(saw_minus);
  for (const std::string& problem : test_problems) EXPECT_EQ(train_problems.count(problem), 0u);
}

TEST(ArithmeticTask, SplitDoesNotDependOnTheSizes) {
  ArithmeticConfig config;
  config.min_terms = config.max_terms = 3;  // 729 problems: big runs overlap small ones a lot
  const TaskSplits small = generate_arithmetic(config, 50, 10, 3);
  const TaskSplits large = generate_arithmetic(config, 500, 120, 3);
  std::set<std::string> train;
  for (const auto* rows : {&small.train, &large.train})
    for (const auto& row : *rows) train.insert(row["prompt"]);
  int64_t shared_test = 0;
  std::set<std::string> large_test;
  for (const auto& row : large.test) large_test.insert(row["prompt"]);
  for (const auto* rows : {&small.test, &large.test}) {
    for (const auto& row : *rows) {
      EXPECT_EQ(train.count(row["prompt"]), 0u) << row["prompt"];
      shared_test += rows == &small.test && large_test.count(row["prompt"]);
    }
  }
  EXPECT_GT(shared_test, 0);  // the overlap exists, and it is always on the same side
}

TEST(ArithmeticTask, DeterministicPerSeed) {
  ArithmeticConfig config;
  config.style = "words";
  config.languages = {"en", "zh"};
  auto dump = [](const TaskSplits& splits) {
    std::string text;
    for (const auto* rows : {&splits.train, &splits.test})
      for (const auto& row : *rows) text += row.dump() + "\n";
    return text;
  };
  EXPECT_EQ(dump(generate_arithmetic(config, 100, 20, 1)),
            dump(generate_arithmetic(config, 100, 20, 1)));
  EXPECT_NE(dump(generate_arithmetic(config, 100, 20, 1)),
            dump(generate_arithmetic(config, 100, 20, 2)));
}

// Label noise: the same problems, prompts and gold answers; a share of the train rows (a
// binomial draw: 2000 rows at 0.3, 600 +- 4.5 sigma) end in <answer>sum + 1</answer> after the
// same correct trace; test rows never do, and noise 0 is the task as it was.
TEST(ArithmeticTask, AnswerNoiseChangesOnlyTheAnswerOfSomeTrainCompletions) {
  ArithmeticConfig clean;
  ArithmeticConfig noisy;
  noisy.answer_noise = 0.3;
  const TaskSplits before = generate_arithmetic(clean, 2000, 200, 5);
  const TaskSplits after = generate_arithmetic(noisy, 2000, 200, 5);
  ASSERT_EQ(before.train.size(), after.train.size());
  int64_t changed = 0;
  for (size_t i = 0; i < before.train.size(); ++i) {
    nlohmann::json expected = before.train[i];
    const nlohmann::json& row = after.train[i];
    EXPECT_EQ(row["prompt"], expected["prompt"]);
    EXPECT_EQ(row["answer"], expected["answer"]);
    if (row["completion"] == expected["completion"]) continue;
    ++changed;
    const std::string wrong = std::to_string(std::stoll(row["answer"].get<std::string>()) + 1);
    std::string completion = expected["completion"];
    const std::string gold = "<answer>" + row["answer"].get<std::string>() + "</answer>";
    completion.replace(completion.find(gold), gold.size(), "<answer>" + wrong + "</answer>");
    EXPECT_EQ(row["completion"], completion);
  }
  EXPECT_NEAR(changed, 600, 4.5 * std::sqrt(2000 * 0.3 * 0.7));
  EXPECT_EQ(after.test, before.test);
  ArithmeticConfig zero;
  zero.answer_noise = 0.0;
  EXPECT_EQ(generate_arithmetic(zero, 2000, 200, 5).train, before.train);
}

TEST(ArithmeticTask, LanguageShare) {
  ArithmeticConfig config;
  config.style = "words";
  config.languages = {"en", "zh"};
  config.zh_share = 0.3;
  const TaskSplits splits = generate_arithmetic(config, 2000, 0, 5);
  int64_t zh = 0;
  for (const auto& row : splits.train) {
    const bool is_zh = row["language"] == "zh";
    zh += is_zh;
    const std::string prompt = row["prompt"];
    EXPECT_EQ(prompt.rfind(is_zh ? "计算 " : "What is ", 0), 0u) << prompt;
  }
  EXPECT_NEAR(zh, 600, 103);  // Binomial(2000, 0.3): sd 20.5, 5 sd
  config.languages = {"zh"};
  for (const auto& row : generate_arithmetic(config, 50, 0, 5).train)
    EXPECT_EQ(row["language"], "zh");
}

TEST(ArithmeticTask, OptionsParseAndErrorsNameTheKey) {
  const std::string where = "make-data --task arithmetic";
  ArithmeticConfig config = parse_task_options<ArithmeticConfig>(
      {"digits=2", "languages=[en, zh]", "zh_share=0.25", "style=words"}, where);
  EXPECT_EQ(config.digits, 2);
  EXPECT_EQ(config.languages, (std::vector<std::string>{"en", "zh"}));
  EXPECT_EQ(config.zh_share, 0.25);
  EXPECT_EQ(config.style, "words");
  EXPECT_EQ(config.min_terms, 3);  // untouched defaults stay
  auto message = [&](std::vector<std::string> settings) {
    try {
      parse_task_options<ArithmeticConfig>(settings, where);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const std::string unknown = message({"digit=2"});
  EXPECT_NE(unknown.find("make-data --task arithmetic: unknown option 'digit'"), std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("known options: min_terms, max_terms, digits, operators, nonnegative, "
                         "style, languages, zh_share, test_fraction"),
            std::string::npos)
      << unknown;
  EXPECT_NE(message({"digits=12"}).find("digits=12"), std::string::npos);
  EXPECT_NE(message({"style=verbose"}).find("style"), std::string::npos);
  EXPECT_NE(message({"languages=[fr]"}).find("fr"), std::string::npos);
  EXPECT_NE(message({"min_terms=5", "max_terms=4"}).find("min_terms (5) is above max_terms (4)"),
            std::string::npos);
  EXPECT_NE(message({"languages=[]"}).find("languages is empty"), std::string::npos);
  EXPECT_NE(message({"digits"}).find("not of the form key=value"), std::string::npos);
}

TEST(ArithmeticTask, TooSmallASpaceIsAConfigError) {
  ArithmeticConfig config;
  config.min_terms = config.max_terms = 2;  // 81 problems, about 16 of them test problems
  EXPECT_THROW(generate_arithmetic(config, 10, 60, 1), ConfigError);
}

}  // namespace
}  // namespace r1forge::tasks
