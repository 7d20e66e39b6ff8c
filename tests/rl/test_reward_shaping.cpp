// Tests of the shaping rewards: `length` (cosine-scaled, Yeo et al. 2025 / TRL's
// get_cosine_scaled_reward), `repetition` (open-r1 n-gram penalty) and `soft_overlong` (DAPO
// eq. 13, with the algorithms.md 13.5 vector). Values are worked out in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/rl/rewards/length.h"
#include "r1forge/rl/rewards/repetition.h"
#include "r1forge/rl/rewards/soft_overlong.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

TEST(RewardLength, CosineSchedule) {
  CosineLengthConfig config;  // wrong -1 -> -0.5, correct 1 -> 0.5, max_len 1000
  EXPECT_DOUBLE_EQ(cosine_length_score(true, 0, config), 1.0);
  EXPECT_DOUBLE_EQ(cosine_length_score(true, 1000, config), 0.5);
  EXPECT_DOUBLE_EQ(cosine_length_score(false, 0, config), -1.0);
  EXPECT_DOUBLE_EQ(cosine_length_score(false, 1000, config), -0.5);
  // TRL's docstring example: max_len 100, 50 tokens -> cos(pi/2) = 0 -> 0.75 and -0.75.
  config.max_len = 100;
  EXPECT_NEAR(cosine_length_score(true, 50, config), 0.75, 1e-12);
  EXPECT_NEAR(cosine_length_score(false, 50, config), -0.75, 1e-12);
  // 25 tokens: cos(pi/4) = 0.7071068; correct 0.5 + 0.25 * 1.7071068 = 0.9267767.
  EXPECT_NEAR(cosine_length_score(true, 25, config), 0.9267767, 1e-7);
  // Past max_len the value stays at the max_len bound (cos is periodic).
  EXPECT_DOUBLE_EQ(cosine_length_score(true, 250, config), 0.5);
}

TEST(RewardLength, UsesAccuracyVerdictAndTokenCount) {
  auto reward = testing::build_reward("length", {{"max_len", "100"}});
  OwnedSample right{"", "\\boxed{4}", {{"answer", "4"}}, 50};
  OwnedSample wrong{"", "\\boxed{5}", {{"answer", "4"}}, 50};
  OwnedSample no_gold{"", "\\boxed{5}", {}, 50};
  std::vector<RewardScore> scores = testing::score_all(*reward, {right, wrong, no_gold});
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_NEAR(*scores[0], 0.75, 1e-12);
  EXPECT_NEAR(*scores[1], -0.75, 1e-12);
  EXPECT_EQ(scores[2], std::nullopt);
  // Characters instead of tokens (open-r1 measures len(content)): "\boxed{4}" has 9.
  auto chars = testing::build_reward("length", {{"max_len", "18"}, {"length_unit", "chars"}});
  EXPECT_NEAR(*testing::score_one(*chars, right), 0.75, 1e-12);
  EXPECT_THROW(testing::build_reward("length", {{"max_len", "0"}}), ConfigError);
  EXPECT_THROW(testing::build_reward("length", {{"length_unit", "words"}}), ConfigError);
  EXPECT_NO_THROW(testing::build_reward("length", {{"answer_field", "solution"}}));
}

TEST(RewardRepetition, NgramPenalty) {
  // 5 words, 3 trigrams, all distinct: 0.
  EXPECT_DOUBLE_EQ(repetition_penalty("a b c d e", 3, -1.0), 0.0);
  // "a b a b a b": trigrams aba bab aba bab -> 2 distinct of 4: (1 - 2/4) * -1 = -0.5.
  EXPECT_DOUBLE_EQ(repetition_penalty("a b a b a b", 3, -1.0), -0.5);
  // Case and whitespace are folded: "The the THE\tthe" bigrams all "the the": 1 of 3.
  EXPECT_NEAR(repetition_penalty("The the THE\tthe", 2, -2.0), (1.0 - 1.0 / 3.0) * -2.0, 1e-12);
  EXPECT_DOUBLE_EQ(repetition_penalty("too short", 3, -1.0), 0.0);
  EXPECT_DOUBLE_EQ(repetition_penalty("", 3, -1.0), 0.0);
  // TRL's example in words: [5 5 5 5 5] with n = 2 -> 1 distinct of 4 -> -0.75.
  EXPECT_DOUBLE_EQ(repetition_penalty("5 5 5 5 5", 2, -1.0), -0.75);
  auto reward = testing::build_reward("repetition", {{"ngram_size", "2"}});
  EXPECT_EQ(testing::score_one(*reward, {"", "5 5 5 5 5"}), -0.75);
  EXPECT_THROW(testing::build_reward("repetition", {{"ngram_size", "0"}}), ConfigError);
}

// algorithms.md 13.5: L_max = 20480, L_cache = 4096.
TEST(RewardSoftOverlong, PaperVector13_5) {
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(16000, 20480, 4096), 0.0);
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(16384, 20480, 4096), 0.0);
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(18432, 20480, 4096), -0.5);
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(20480, 20480, 4096), -1.0);
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(21000, 20480, 4096), -1.0);
  // TRL's docstring: max 100, cache 20, 90 tokens -> -0.5.
  EXPECT_DOUBLE_EQ(soft_overlong_penalty(90, 100, 20), -0.5);
}

TEST(RewardSoftOverlong, MaxLengthFromTheStageAndOptions) {
  auto reward = testing::build_reward("soft_overlong", {{"cache_length", "4096"}});
  OwnedSample sample{"", "text", {}, 18432, 20480};
  EXPECT_EQ(testing::score_one(*reward, sample), -0.5);
  sample.max_completion_tokens = 0;  // the stage did not say
  EXPECT_EQ(testing::score_one(*reward, sample), std::nullopt);
  auto fixed =
      testing::build_reward("soft_overlong", {{"cache_length", "4096"}, {"max_length", "20480"}});
  EXPECT_EQ(testing::score_one(*fixed, sample), -0.5);
  EXPECT_THROW(testing::build_reward("soft_overlong"), ConfigError);  // cache_length required
  EXPECT_THROW(testing::build_reward("soft_overlong", {{"cache_length", "0"}}), ConfigError);
  EXPECT_THROW(
      testing::build_reward("soft_overlong", {{"cache_length", "10"}, {"max_length", "5"}}),
      ConfigError);
}

}  // namespace
}  // namespace r1forge
