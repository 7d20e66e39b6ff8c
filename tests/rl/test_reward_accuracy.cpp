// Tests of the `accuracy` reward and its helpers (rl/rewards/math_answer.h, math_parse.h,
// math_equivalence.h, answer_normalization.h) on crafted inputs: where answers are found, how
// gold fields are read, equivalence rules, options, and inputs that must neither crash nor
// score. Agreement with math-verify on 500+ pairs: test_reward_accuracy_mv.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/rl/rewards/answer_normalization.h"
#include "r1forge/rl/rewards/math_answer.h"
#include "r1forge/rl/rewards/math_equivalence.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

RewardScore accuracy(const std::string& completion,
                     nlohmann::json gold,
                     std::map<std::string, std::string> options = {}) {
  auto reward = testing::build_reward("accuracy", std::move(options));
  OwnedSample sample;
  sample.completion = completion;
  sample.metadata = {{"answer", std::move(gold)}};
  return testing::score_one(*reward, sample);
}

bool equivalent(const std::string& gold, const std::string& predicted) {
  return math::answers_equivalent(gold, predicted);
}

TEST(RewardAccuracyExtraction, LastBalancedBox) {
  EXPECT_EQ(math::last_boxed("\\boxed{1} then \\boxed{\\frac{a}{\\sqrt{b}}} done"),
            "\\frac{a}{\\sqrt{b}}");
  EXPECT_EQ(math::last_boxed("x \\fbox{7}"), "7");
  EXPECT_EQ(math::last_boxed("so \\boxed 5$ and more"), "5");
  EXPECT_EQ(math::last_boxed("\\boxed{{5}}"), "{5}");
  EXPECT_EQ(math::last_boxed("\\boxed{1}, \\boxed{2}"), "1,2");  // a list of answers
  EXPECT_EQ(math::last_boxed("$\\boxed{1}$ and $\\boxed{2}$"), "1,2");
  EXPECT_EQ(math::last_boxed("\\boxed{3}, no wait: \\boxed{4}"), "4");  // a corrected answer
  EXPECT_EQ(math::last_boxed("\\boxed{5"), std::nullopt);               // unbalanced
  EXPECT_EQ(math::last_boxed("no box"), std::nullopt);
  EXPECT_EQ(math::last_boxed("\\boxedx"), std::nullopt);
}

TEST(RewardAccuracyExtraction, AnswerTagsGsm8kAndPhrases) {
  EXPECT_EQ(math::last_answer_tag("<answer>1</answer> <answer> 2 </answer>"), " 2 ");
  EXPECT_EQ(math::last_answer_tag("<answer>truncated"), std::nullopt);
  EXPECT_EQ(math::gsm8k_answer("steps\n#### 1,000\n"), "1,000");
  EXPECT_EQ(math::gsm8k_answer("####   "), std::nullopt);
  math::ExtractionOptions options;
  EXPECT_EQ(math::extract_completion_answer("<think>\\boxed{3}</think><answer>4</answer>", options),
            "4");  // the answer tag comes first by default
  EXPECT_EQ(math::extract_completion_answer("<answer>so \\boxed{5}.</answer>", options), "5");
  EXPECT_EQ(math::extract_completion_answer("<answer>It is $x=3$.</answer>", options), "x=3");
  EXPECT_EQ(math::extract_completion_answer("Thus the answer is 12.", options), "12");
  EXPECT_EQ(math::extract_completion_answer("The answer is $\\frac{1}{2}$ or so", options),
            "\\frac{1}{2}");
  EXPECT_EQ(math::extract_completion_answer("just $5$ somewhere", options), std::nullopt);
  EXPECT_EQ(math::extract_completion_answer("<answer>  </answer>", options), std::nullopt);
  math::ExtractionOptions latex;
  latex.require_latex = true;
  EXPECT_EQ(math::extract_completion_answer("<answer>42</answer>", latex), std::nullopt);
  EXPECT_EQ(math::extract_completion_answer("#### 42", latex), std::nullopt);
  EXPECT_EQ(math::extract_completion_answer("<answer>\\frac{1}{2}</answer>", latex),
            "\\frac{1}{2}");
}

TEST(RewardAccuracyExtraction, GoldFields) {
  EXPECT_EQ(math::extract_gold_answer(72), "72");
  EXPECT_EQ(math::extract_gold_answer(0.5), "0.5");
  EXPECT_EQ(math::extract_gold_answer(1e20), "100000000000000000000");  // no exponent
  EXPECT_EQ(math::extract_gold_answer(2.5e-7), "0.00000025");
  EXPECT_EQ(math::extract_gold_answer("He pays 3*4 = <<3*4=12>>12.\n#### 12"), "12");
  EXPECT_EQ(math::extract_gold_answer("so $x = \\boxed{\\frac{3}{4}}$."), "\\frac{3}{4}");
  EXPECT_EQ(math::extract_gold_answer("We get $\\frac{3}{4}$"), "\\frac{3}{4}");
  EXPECT_EQ(math::extract_gold_answer(" 42 "), "42");
  EXPECT_EQ(math::extract_gold_answer(""), std::nullopt);
  EXPECT_EQ(math::extract_gold_answer(nlohmann::json::object()), std::nullopt);
  EXPECT_EQ(math::extract_gold_answer(nlohmann::json::array({1, 2})), std::nullopt);
}

TEST(RewardAccuracyEquivalence, Numbers) {
  EXPECT_TRUE(equivalent("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(equivalent("\\frac{1}{2}", "\\dfrac{1}{2}"));
  EXPECT_TRUE(equivalent("\\frac{1}{2}", "\\tfrac12"));
  EXPECT_TRUE(equivalent("0.5", "1/2"));
  EXPECT_TRUE(equivalent("1000", "1,000"));
  EXPECT_TRUE(equivalent("1000", "1{,}000"));
  EXPECT_TRUE(equivalent("-3", "\u22123"));
  EXPECT_TRUE(equivalent("-3", "\\left( -3 \\right)"));
  EXPECT_TRUE(equivalent("72", "72.00"));
  EXPECT_TRUE(equivalent("72", "\\$72"));
  EXPECT_TRUE(equivalent("72", "72 \\text{ cm}"));
  EXPECT_TRUE(equivalent("3.5", "3\\frac{1}{2}"));      // mixed number
  EXPECT_TRUE(equivalent("\\frac{1}{3}", "0.333333"));  // a float compares to 6 places
  EXPECT_FALSE(equivalent("\\frac{1}{3}", "0.33"));
  EXPECT_FALSE(equivalent("72", "72.01"));
  EXPECT_FALSE(equivalent("0.5", "-0.5"));
  EXPECT_FALSE(equivalent("1000", "100"));
  EXPECT_FALSE(equivalent("12345", "1,2345"));  // no thousands separator: a list
  EXPECT_TRUE(equivalent("1024", "2^{10}"));
  EXPECT_TRUE(equivalent("120", "5!"));
  EXPECT_TRUE(equivalent("2\\sqrt{2}", "\\sqrt{8}"));
  EXPECT_FALSE(equivalent("1", "\\frac{1}{0}"));
  EXPECT_FALSE(equivalent("\\frac{1}{0}", "\\frac{1}{0}"));  // undefined is never correct
}

TEST(RewardAccuracyEquivalence, HugeNumbersCompareExactly) {
  const std::string big = "99999999999999999999999999999999999999999";  // > 2^127
  EXPECT_TRUE(equivalent(big, big));
  EXPECT_FALSE(equivalent(big, "99999999999999999999999999999999999999998"));
  EXPECT_TRUE(equivalent("12345678901234567890", "12,345,678,901,234,567,890"));
  EXPECT_FALSE(equivalent("12345678901234567890", "12345678901234567891"));
  EXPECT_TRUE(equivalent("100000000000000000000", "10^{20}"));
}

// math-verify's rules, kept: X% equals X/100, and X% equals X when both are integers.
TEST(RewardAccuracyEquivalence, Percentages) {
  EXPECT_TRUE(equivalent("0.5", "50\\%"));
  EXPECT_TRUE(equivalent("50", "50\\%"));
  EXPECT_TRUE(equivalent("50%", "0.5"));
  EXPECT_TRUE(equivalent("\\frac{1}{2}", "50 percent"));
  EXPECT_TRUE(equivalent("0.125", "12.5\\%"));
  EXPECT_FALSE(equivalent("12.5", "12.5\\%"));  // a decimal percent only equals its fraction
  EXPECT_FALSE(equivalent("0.5", "5\\%"));
}

TEST(RewardAccuracyEquivalence, ExpressionsListsAndText) {
  EXPECT_TRUE(equivalent("x+1", "1+x"));
  EXPECT_TRUE(equivalent("(x+1)^2", "x^2+2x+1"));
  EXPECT_FALSE(equivalent("x+1", "y+1"));
  EXPECT_TRUE(equivalent("5", "x = 5"));
  EXPECT_TRUE(equivalent("\\{1, 2\\}", "\\{2, 1\\}"));
  EXPECT_TRUE(equivalent("(1, 2)", "\\left(1, 2\\right)"));
  EXPECT_FALSE(equivalent("(1, 2)", "(2, 1)"));
  EXPECT_FALSE(equivalent("(1, 2)", "[1, 2)"));
  EXPECT_TRUE(equivalent("\\pi/2", "\\frac{\\pi}{2}"));
  EXPECT_FALSE(equivalent("\\pi", "3.14"));
  EXPECT_TRUE(equivalent("\\text{Paris}", "paris"));
  EXPECT_TRUE(equivalent("New York", "\\text{new york}"));
  EXPECT_FALSE(equivalent("Paris", "Lyon"));
  EXPECT_TRUE(equivalent("(B)", "b"));
  EXPECT_FALSE(equivalent("", ""));
}

TEST(RewardAccuracyEquivalence, MalformedInputNeverThrowsOrMatches) {
  for (const char* bad : {"\\frac{1}{", "((((", "1 +", "\\sqrt", "^", "\\frac{}{}", "}{", "..",
                          "1//2", "\\left(", "$$", "\xff\xfe", "(1, 2", "|x"}) {
    EXPECT_NO_THROW(equivalent("1", bad)) << bad;
    EXPECT_FALSE(equivalent("1", bad)) << bad;
  }
  std::string deep(5000, '(');
  EXPECT_NO_THROW(equivalent("1", deep + "1"));
}

// Degenerate completions (loops, unclosed delimiters) must stay linear-time; a quadratic scan
// over 2 MB would take minutes and trip the CTest timeout.
TEST(RewardAccuracyExtraction, DegenerateLongCompletionsAreCheap) {
  std::string loop;
  for (int i = 0; i < 40000; ++i) loop += "so the answer is $$ \\boxed{ $ \\( ";
  EXPECT_EQ(accuracy(loop, "5"), 0.0);
  std::string tag = "<answer>";
  for (int i = 0; i < 100000; ++i) tag += "$$ x ";
  tag += "</answer>";
  EXPECT_EQ(accuracy(tag, "5"), 0.0);
}

TEST(RewardAccuracyEquivalence, ParseAndEvaluate) {
  std::optional<math::ParsedMath> parsed = math::parse_math("2\\sqrt{9} + \\frac{3}{4}");
  ASSERT_TRUE(parsed);
  EXPECT_DOUBLE_EQ(math::evaluate_constant(*parsed), 6.75);
  EXPECT_FALSE(math::parse_math("Paris"));
  std::optional<math::ParsedMath> list = math::parse_math("[0, 1)");
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->is_list);
  EXPECT_EQ(list->open, '[');
  EXPECT_EQ(list->close, ')');
  EXPECT_EQ(math::normalize_answer("\\displaystyle \\dfrac{1}{2}\\, \\text{ m}^2."),
            "\\frac{1}{2}");
}

TEST(RewardAccuracy, ScoresOneZeroAndNone) {
  EXPECT_EQ(accuracy("<think>...</think><answer>72</answer>", "#### 72"), 1.0);
  EXPECT_EQ(accuracy("<think>...</think><answer>71</answer>", "#### 72"), 0.0);
  EXPECT_EQ(accuracy("I give up", "72"), 0.0);
  EXPECT_EQ(accuracy("", "72"), 0.0);
  EXPECT_EQ(accuracy("\\boxed{72}", 72), 1.0);
  EXPECT_EQ(accuracy("\\boxed{0.5}", 0.5), 1.0);
  EXPECT_EQ(accuracy("\\boxed{72}", ""), std::nullopt);           // empty gold
  EXPECT_EQ(accuracy("\\boxed{72}", nullptr), std::nullopt);      // null gold
  EXPECT_EQ(accuracy("\\boxed{72}", "\\boxed{5"), std::nullopt);  // unbalanced gold
  EXPECT_EQ(accuracy("所以答案是 \\boxed{5}。", "5"), 1.0);
  EXPECT_EQ(accuracy("\\boxed{3} wait no \\boxed{4}", "4"), 1.0);
  auto reward = testing::build_reward("accuracy");
  OwnedSample no_field;
  no_field.completion = "\\boxed{1}";
  EXPECT_EQ(testing::score_one(*reward, no_field), std::nullopt);
  EXPECT_EQ(reward->diagnostics().at("gold_missing"), 1.0);
}

TEST(RewardAccuracy, Options) {
  OwnedSample sample;
  sample.completion = "<answer>4</answer> \\boxed{3}";
  sample.metadata = {{"solution", "3"}};
  auto boxed_first =
      testing::build_reward("accuracy", {{"answer_field", "solution"}, {"sources", "boxed"}});
  EXPECT_EQ(testing::score_one(*boxed_first, sample), 1.0);
  auto tag_first = testing::build_reward("accuracy", {{"answer_field", "solution"}});
  EXPECT_EQ(testing::score_one(*tag_first, sample), 0.0);
  EXPECT_THROW(testing::build_reward("accuracy", {{"sources", "boxed, latex"}}), ConfigError);
  EXPECT_THROW(testing::build_reward("accuracy", {{"sources", ""}}), ConfigError);
  EXPECT_THROW(testing::build_reward("accuracy", {{"answer_field", ""}}), ConfigError);
  EXPECT_THROW(testing::build_reward("accuracy", {{"require_latex", "sure"}}), ConfigError);
}

}  // namespace
}  // namespace r1forge
