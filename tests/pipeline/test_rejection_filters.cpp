// The readability filters of rejection sampling on crafted samples: letter counting and
// language mixing inside <think>, overlong, repeated word and token n-grams, code blocks in
// the reasoning, the order that names the first rejecting filter, and the dedupe key.
// Expected values are counted by hand in the comments.
#include <gtest/gtest.h>

#include "r1forge/pipeline/readability_filters.h"

namespace r1forge {
namespace {

using unicode::Script;

ReadabilitySample make_sample(std::string_view prompt, std::string_view completion) {
  ReadabilitySample sample;
  sample.prompt = prompt;
  sample.completion = completion;
  sample.completion_tokens = 5;
  return sample;
}

TEST(ReadabilityFilters, CountLettersSkipsTagsCommandsAndVariables) {
  // "The"(3) + "answer"(6) Latin, "是"(1) Han; the lone x is a variable, not counted.
  LetterCounts counts = count_letters("The answer 是 x", {Script::HAN});
  EXPECT_EQ(counts.total, 10);
  EXPECT_EQ(counts.in_target, 1);
  // \frac is a command; a and b are lone letters; digits and braces are not letters.
  counts = count_letters("<think>\\frac{a}{b} = 12</think>", {Script::LATIN});
  EXPECT_EQ(counts.total, 0);
  // "Let"(3) + "be"(2) Latin; "число"(5) Cyrillic.
  counts = count_letters("Let x be число", {Script::CYRILLIC});
  EXPECT_EQ(counts.total, 10);
  EXPECT_EQ(counts.in_target, 5);
}

TEST(ReadabilityFilters, TargetScriptFromMetadataElsePromptScript) {
  nlohmann::json en = {{"language", "en"}};
  EXPECT_EQ(target_scripts("计算一加一", &en, "language"), std::vector<Script>{Script::LATIN});
  EXPECT_EQ(target_scripts("计算一加一", nullptr, "language"), std::vector<Script>{Script::HAN});
  // An unknown code falls back to the prompt; kana makes the prompt Japanese (Han + kana).
  nlohmann::json unknown = {{"language", "xx"}};
  EXPECT_EQ(target_scripts("Add one", &unknown, "language"), std::vector<Script>{Script::LATIN});
  EXPECT_EQ(target_scripts("これは何", nullptr, "language").size(), 3u);
  EXPECT_TRUE(target_scripts("1 + 1 = ?", nullptr, "language").empty());
}

TEST(ReadabilityFilters, LanguageMixingInsideThinkRejected) {
  ReadabilityFilterConfig config;
  config.min_letters_for_mixing = 0;
  // Think block: Han 我们需要计算一加一 (9) + 答案是二 (4) = 13; Latin The sum is two so
  // = 3+3+2+3+2 = 13. Foreign (Latin) share 13/26 = 0.5 > 0.1.
  const std::string mixed =
      "<think>我们需要计算一加一。The sum is two, so 答案是二。</think><answer>2</answer>";
  EXPECT_TRUE(has_language_mixing(make_sample("计算一加一等于多少", mixed), config));
  config.max_foreign_letter_share = 0.6;  // 0.5 is within it
  EXPECT_FALSE(has_language_mixing(make_sample("计算一加一等于多少", mixed), config));
  config.max_foreign_letter_share = 0.1;
  config.min_letters_for_mixing = 30;  // 26 letters: too short to judge
  EXPECT_FALSE(has_language_mixing(make_sample("计算一加一等于多少", mixed), config));
  config.min_letters_for_mixing = 0;
  // Only the think block counts: an English answer after a Chinese think block is fine.
  EXPECT_FALSE(has_language_mixing(
      make_sample("计算一加一等于多少",
                  "<think>我们需要计算一加一等于二</think><answer>The answer is "
                  "two</answer>"),
      config));
  // metadata language en overrides the Chinese prompt: the Chinese think block is foreign.
  nlohmann::json en = {{"language", "en"}};
  ReadabilitySample sample = make_sample(
      "计算一加一等于多少", "<think>我们需要计算一加一等于二</think><answer>2</answer>");
  sample.metadata = &en;
  EXPECT_TRUE(has_language_mixing(sample, config));
  // No target (the prompt has no letters, no metadata): nothing to judge against.
  EXPECT_FALSE(has_language_mixing(make_sample("1 + 1 = ?", mixed), config));
  config.max_foreign_letter_share = 1.0;  // off
  EXPECT_FALSE(has_language_mixing(make_sample("计算一加一等于多少", mixed), config));
}

TEST(ReadabilityFilters, OverlongTruncatedOrOverBudget) {
  ReadabilityFilterConfig config;
  ReadabilitySample sample = make_sample("q", "<think>x</think><answer>1</answer>");
  sample.completion_tokens = 11;
  EXPECT_FALSE(is_overlong(sample, config));  // max_tokens 0 = off, not truncated
  sample.truncated = true;
  EXPECT_TRUE(is_overlong(sample, config));
  config.reject_truncated = false;
  EXPECT_FALSE(is_overlong(sample, config));
  config.max_tokens = 10;
  EXPECT_TRUE(is_overlong(sample, config));  // 11 > 10
  sample.completion_tokens = 10;
  EXPECT_FALSE(is_overlong(sample, config));  // 10 is within the budget
}

TEST(ReadabilityFilters, RepeatedNgramShares) {
  // 9 words, 7 trigrams: abc bca cab abc bca cab abc -> 3 distinct; share 1 - 3/7 = 4/7.
  EXPECT_NEAR(repeated_word_ngram_share("a b c a b c a b c", 3), 4.0 / 7.0, 1e-12);
  // Case-folded: A B C a b c -> trigrams abc bca cab abc: 3 distinct of 4 -> 1/4.
  EXPECT_NEAR(repeated_word_ngram_share("A B C a b c", 3), 0.25, 1e-12);
  EXPECT_EQ(repeated_word_ngram_share("too short", 3), 0.0);
  // Token ids 1 2 1 2 1 2, bigrams 12 21 12 21 12: 2 distinct of 5 -> 0.6.
  EXPECT_NEAR(repeated_token_ngram_share({1, 2, 1, 2, 1, 2}, 2), 0.6, 1e-12);
  EXPECT_EQ(repeated_token_ngram_share({1, 2}, 3), 0.0);
}

TEST(ReadabilityFilters, RepetitionFilterCatchesLoopsNotProse) {
  ReadabilityFilterConfig config;  // 8-grams of words, threshold 0.2
  std::string loop = "<think>";
  for (int i = 0; i < 20; ++i) loop += "I will try again. ";
  loop += "</think><answer>1</answer>";
  // 81 words: "<think>I", 79 cycling with period 4, "</think><answer>1</answer>"; 74 8-grams,
  // of which 4 periodic + 1 touching each end are distinct: share 1 - 6/74 = 0.92.
  EXPECT_TRUE(has_repeated_ngrams(make_sample("q", loop), config));
  const std::string prose =
      "<think>First add the two numbers, then check the sum against the target. The sum of "
      "three and four is seven, which matches.</think><answer>7</answer>";
  EXPECT_FALSE(has_repeated_ngrams(make_sample("q", prose), config));
  config.max_repeated_ngram_share = 1.0;  // off
  EXPECT_FALSE(has_repeated_ngrams(make_sample("q", loop), config));

  // Token unit: the ids, not the text, are measured.
  ReadabilityFilterConfig tokens;
  tokens.ngram_unit = "token";
  tokens.ngram_size = 2;
  tokens.max_repeated_ngram_share = 0.5;
  const std::vector<int64_t> ids = {1, 2, 1, 2, 1, 2};  // share 0.6
  ReadabilitySample sample = make_sample("q", prose);
  sample.token_ids = &ids;
  EXPECT_TRUE(has_repeated_ngrams(sample, tokens));
  const std::vector<int64_t> distinct = {1, 2, 3, 4, 5, 6};
  sample.token_ids = &distinct;
  EXPECT_FALSE(has_repeated_ngrams(sample, tokens));
}

TEST(ReadabilityFilters, CodeBlocksOnlyInsideThinkAndOnlyWhenEnabled) {
  const std::string code_think =
      "<think>Try it:\n```python\nprint(1 + 1)\n```\nit prints 2</think><answer>2</answer>";
  const std::string code_answer = "<think>simple</think><answer>```\n2\n```</answer>";
  EXPECT_TRUE(has_code_in_thinking(code_think));
  EXPECT_FALSE(has_code_in_thinking(code_answer));
  ReadabilityFilterConfig config;
  config.min_letters_for_mixing = 0;
  EXPECT_EQ(first_rejecting_filter(make_sample("Add one and one", code_think), config),
            std::nullopt);  // off by default
  config.reject_code_in_thinking = true;
  EXPECT_EQ(first_rejecting_filter(make_sample("Add one and one", code_think), config),
            std::optional<std::string>(kFilterCodeInThinking));
  EXPECT_EQ(first_rejecting_filter(make_sample("Add one and one", code_answer), config),
            std::nullopt);
}

TEST(ReadabilityFilters, FirstRejectingFilterFollowsTheOrder) {
  ReadabilityFilterConfig config;
  config.min_letters_for_mixing = 0;
  config.reject_code_in_thinking = true;
  std::string all_bad = "<think>```";
  for (int i = 0; i < 20; ++i) all_bad += " 我们 try again and again ";
  all_bad += "</think>";
  ReadabilitySample sample = make_sample("Add one and one", all_bad);
  sample.truncated = true;
  EXPECT_EQ(first_rejecting_filter(sample, config), std::optional<std::string>(kFilterOverlong));
  sample.truncated = false;
  // Han 我们 (2) per repeat against Latin try again and again (16): 40 of 360 letters foreign
  // for a Latin prompt, 0.11 > 0.1.
  EXPECT_EQ(first_rejecting_filter(sample, config),
            std::optional<std::string>(kFilterLanguageMixing));
  config.max_foreign_letter_share = 1.0;
  EXPECT_EQ(first_rejecting_filter(sample, config), std::optional<std::string>(kFilterRepetition));
  config.max_repeated_ngram_share = 1.0;
  EXPECT_EQ(first_rejecting_filter(sample, config),
            std::optional<std::string>(kFilterCodeInThinking));
  EXPECT_EQ(readability_filter_names(),
            (std::vector<std::string>{kFilterOverlong, kFilterLanguageMixing, kFilterRepetition,
                                      kFilterCodeInThinking}));
}

TEST(ReadabilityFilters, DedupeKeyIgnoresCaseAndWhitespaceOnly) {
  EXPECT_EQ(normalize_for_dedupe("  Hello \t  World\n"), "hello world");
  EXPECT_EQ(normalize_for_dedupe(""), "");
  EXPECT_EQ(dedupe_key("What is 1+1?", "<think>One plus one</think>  <answer>2</answer>"),
            dedupe_key("what is 1+1? ", "<think>one plus one</think> <answer>2</answer>\n"));
  EXPECT_NE(dedupe_key("What is 1+1?", "<answer>2</answer>"),
            dedupe_key("What is 1+2?", "<answer>2</answer>"));
  EXPECT_NE(dedupe_key("a", "<answer>2</answer>"), dedupe_key("a", "<answer>3</answer>"));
  // The separator keeps prompt and completion apart: moving a word across is another key.
  EXPECT_NE(dedupe_key("a b", "c"), dedupe_key("a", "b c"));
}

}  // namespace
}  // namespace r1forge
