// Tests of the `language_consistency` reward (R1-Nature eq. 7) and its UTF-8 / script helpers
// (rl/rewards/unicode_script.h, language_consistency.h): word counting per script, neutral
// characters, the thinking region, target from metadata / option / the raw question (never
// the templated prompt), none cases.
#include <gtest/gtest.h>

#include <string>

#include "r1forge/core/check.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/rl/rewards/language_consistency.h"
#include "r1forge/rl/rewards/unicode_script.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;
using unicode::Script;

TEST(RewardLanguageUnicode, DecodesUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(unicode::decode_utf8("a\u00e9\u4e2d\U0001F600"),
            (std::vector<char32_t>{U'a', 0xE9, 0x4E2D, 0x1F600}));
  EXPECT_EQ(unicode::decode_utf8("\xff"), std::vector<char32_t>{0xFFFD});
  EXPECT_EQ(unicode::decode_utf8("\xe4\xb8"), std::vector<char32_t>{0xFFFD});      // truncated
  EXPECT_EQ(unicode::decode_utf8("\xc0\xaf"), std::vector<char32_t>{0xFFFD});      // overlong
  EXPECT_EQ(unicode::decode_utf8("\xed\xa0\x80"), std::vector<char32_t>{0xFFFD});  // surrogate
  EXPECT_EQ(unicode::script_of(U'z'), Script::LATIN);
  EXPECT_EQ(unicode::script_of(0x4E2D), Script::HAN);
  EXPECT_EQ(unicode::script_of(0x0416), Script::CYRILLIC);
  EXPECT_EQ(unicode::script_of(0x0628), Script::ARABIC);
  EXPECT_EQ(unicode::script_of(0x3042), Script::HIRAGANA);
  EXPECT_EQ(unicode::script_of(0xAC00), Script::HANGUL);
  EXPECT_EQ(unicode::script_of(U'7'), Script::NEUTRAL);
  EXPECT_EQ(unicode::script_of(0x00D7), Script::NEUTRAL);  // multiplication sign
  EXPECT_EQ(unicode::script_of(0x3002), Script::NEUTRAL);  // ideographic full stop
}

TEST(RewardLanguageUnicode, CountsWordsPerScript) {
  WordCounts counts =
      count_words("Let us compute 我们计算 x + 2 = 5, then $\\frac{a}{b}$ \\alpha.");
  EXPECT_EQ(counts.count(Script::LATIN), 4);  // Let us compute then; x, a, b are variables
  EXPECT_EQ(counts.count(Script::HAN), 4);    // each Han character is a word
  EXPECT_EQ(counts.total, 8);
  EXPECT_EQ(count_words("123 + 456 = 579 ... !!!").total, 0);
  EXPECT_EQ(count_words("Привет мир").count(Script::CYRILLIC), 2);
  EXPECT_EQ(count_words("<think>\n</think> <answer>").total, 0);       // tags are markup
  EXPECT_EQ(count_words("cafe\u0301 naïve").count(Script::LATIN), 2);  // combining accent
}

TEST(RewardLanguage, ThinkingRegion) {
  EXPECT_EQ(thinking_region("<think>abc</think><answer>d</answer>"), "abc");
  EXPECT_EQ(thinking_region("abc</think><answer>d</answer>"), "abc");  // prompt opened it
  EXPECT_EQ(thinking_region("<think>abc"), "abc");                     // truncated
  EXPECT_EQ(thinking_region("no tags"), "no tags");
}

TEST(RewardLanguage, ShareOfTargetWords) {
  auto reward = testing::build_reward("language_consistency");
  OwnedSample english{
      "", "<think>We add two and three.</think><answer>5</answer>", {{"language", "en"}}};
  EXPECT_EQ(testing::score_one(*reward, english), 1.0);
  // 4 English words + 4 Han characters, target zh: 4/8.
  OwnedSample mixed{
      "", "<think>First 我们计算 the sum now</think><answer>5</answer>", {{"language", "zh"}}};
  EXPECT_EQ(testing::score_one(*reward, mixed), 0.5);
  OwnedSample chinese{
      "", "<think>我们先算 2+3=5。</think><answer>5</answer>", {{"language", "zh-CN"}}};
  EXPECT_EQ(testing::score_one(*reward, chinese), 1.0);
  // The answer block is not part of the chain of thought.
  OwnedSample answer_only{
      "", "<think>只想</think><answer>English words here</answer>", {{"language", "zh"}}};
  EXPECT_EQ(testing::score_one(*reward, answer_only), 1.0);
}

TEST(RewardLanguage, TargetFromOptionOrQuestion) {
  auto from_question = testing::build_reward("language_consistency");
  OwnedSample russian_question{.completion = "<think>Это четыре, because two plus</think>",
                               .question = "Решите задачу: сколько будет два плюс два?"};
  EXPECT_EQ(testing::score_one(*from_question, russian_question), 0.4);  // 2 of 5 words
  auto fixed = testing::build_reward("language_consistency", {{"language", "en"}});
  EXPECT_EQ(testing::score_one(*fixed, russian_question), 0.6);
  auto whole =
      testing::build_reward("language_consistency", {{"language", "en"}, {"scope", "completion"}});
  OwnedSample answer_words{"", "<think>один</think><answer>one two three</answer>", {}};
  EXPECT_EQ(testing::score_one(*whole, answer_words), 0.75);
}

// The target is the question's language, never the templated prompt's: under the R1-Zero
// template (~50 English words) a short Chinese, Russian or Arabic question is still the target,
// so native reasoning scores 1 and English reasoning 0 (eq. 7: target words / all words).
TEST(RewardLanguage, TargetIsTheQuestionNotTheTemplatedPrompt) {
  auto reward = testing::build_reward("language_consistency");
  const char* const cases[][2] = {
      {"计算三加五等于多少？", "<think>三加五等于八。</think><answer>8</answer>"},
      {"Сколько будет три плюс пять?", "<think>Три плюс пять равно восьми.</think>"},
      {"كم يساوي ثلاثة زائد خمسة؟", "<think>ثلاثة زائد خمسة يساوي ثمانية.</think>"}};
  for (const auto& [question, native] : cases) {
    const std::string prompt = apply_prompt_template("r1_zero", question);
    ASSERT_EQ(dominant_scripts(prompt), std::vector<Script>{Script::LATIN}) << question;
    OwnedSample in_native{.prompt = prompt, .completion = native, .question = question};
    EXPECT_EQ(testing::score_one(*reward, in_native), 1.0) << question;
    OwnedSample in_english{.prompt = prompt,
                           .completion = "<think>Three plus five makes eight.</think>",
                           .question = question};
    EXPECT_EQ(testing::score_one(*reward, in_english), 0.0) << question;
  }
  // Without the question the target is unknown (none), not guessed from the prompt.
  OwnedSample prompt_only{.prompt = "Решите задачу: сколько будет два плюс два?",
                          .completion = "<think>Это четыре</think>"};
  EXPECT_EQ(testing::score_one(*reward, prompt_only), std::nullopt);
  EXPECT_EQ(reward->diagnostics().at("unknown_language"), 1.0);
}

TEST(RewardLanguage, NoneWithoutWordsOrKnownLanguage) {
  auto reward = testing::build_reward("language_consistency");
  OwnedSample math_only{"", "<think>2 + 2 = 4</think><answer>4</answer>", {{"language", "en"}}};
  EXPECT_EQ(testing::score_one(*reward, math_only), std::nullopt);
  OwnedSample unknown{"", "<think>hello there</think>", {{"language", "klingon"}}};
  EXPECT_EQ(testing::score_one(*reward, unknown), std::nullopt);
  OwnedSample no_target{"", "<think>hello there</think>", {}};  // empty prompt, no metadata
  EXPECT_EQ(testing::score_one(*reward, no_target), std::nullopt);
  EXPECT_EQ(reward->diagnostics().at("no_words"), 1.0);
  EXPECT_EQ(reward->diagnostics().at("unknown_language"), 2.0);
  EXPECT_THROW(testing::build_reward("language_consistency", {{"language", "xx"}}), ConfigError);
  EXPECT_THROW(testing::build_reward("language_consistency", {{"scope", "answer"}}), ConfigError);
}

}  // namespace
}  // namespace r1forge
