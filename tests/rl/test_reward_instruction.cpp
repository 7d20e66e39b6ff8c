// Tests of the `instruction` reward (rl/rewards/instruction.h): exact match of the trimmed last
// <answer> against the gold, 0 without a complete answer tag, none without a usable gold, and
// the answer_field / case_sensitive options.
#include <gtest/gtest.h>

#include "r1forge/core/check.h"
#include "r1forge/rl/rewards/instruction.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

TEST(RewardInstruction, ExactMatchOfTheLastAnswer) {
  auto reward = testing::build_reward("instruction");
  const nlohmann::json row = {{"answer", "7, 19, 42"}};
  EXPECT_EQ(testing::score_one(*reward, {"", "<think>x</think><answer>7, 19, 42</answer>", row}),
            1.0);
  // Surrounding whitespace is trimmed on both sides...
  EXPECT_EQ(testing::score_one(
                *reward, {"", "<answer>\n 7, 19, 42 \n</answer>", {{"answer", " 7, 19, 42"}}}),
            1.0);
  // ...but nothing inside is normalized: spacing, order and punctuation must match.
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>7,19,42</answer>", row}), 0.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>7, 42, 19</answer>", row}), 0.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>7, 19, 42.</answer>", row}), 0.0);
  // The last complete answer counts; an unclosed tag or none at all is 0.
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>1</answer><answer>7, 19, 42</answer>", row}),
            1.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>7, 19, 42</answer><answer>1</answer>", row}),
            0.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>7, 19, 42", row}), 0.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "7, 19, 42", row}), 0.0);
  // Case matters by default.
  EXPECT_EQ(testing::score_one(*reward,
                               {"", "<answer>Green Apple</answer>", {{"answer", "GREEN APPLE"}}}),
            0.0);
  // An integer gold compares as its decimal text.
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>3</answer>", {{"answer", 3}}}), 1.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "<answer>3.0</answer>", {{"answer", 3}}}), 0.0);
}

TEST(RewardInstruction, NoneWithoutAUsableGold) {
  auto reward = testing::build_reward("instruction");
  for (const nlohmann::json& row :
       {nlohmann::json::object(), nlohmann::json{{"answer", nullptr}},
        nlohmann::json{{"answer", ""}}, nlohmann::json{{"answer", "   "}},
        nlohmann::json{{"answer", {1, 2}}}, nlohmann::json{{"answer", 2.5}},
        nlohmann::json{{"answer", true}}}) {
    EXPECT_EQ(testing::score_one(*reward, {"", "<answer>x</answer>", row}), std::nullopt)
        << row.dump();
  }
  EXPECT_EQ(reward->diagnostics().at("gold_missing"), 7.0);
}

TEST(RewardInstruction, Options) {
  auto loose = testing::build_reward("instruction", {{"case_sensitive", "false"}});
  EXPECT_EQ(
      testing::score_one(*loose, {"", "<answer>Green Apple</answer>", {{"answer", "GREEN APPLE"}}}),
      1.0);
  EXPECT_EQ(
      testing::score_one(*loose, {"", "<answer>Green Pear</answer>", {{"answer", "GREEN APPLE"}}}),
      0.0);
  auto field = testing::build_reward("instruction", {{"answer_field", "expected"}});
  EXPECT_EQ(testing::score_one(
                *field, {"", "<answer>abc</answer>", {{"expected", "abc"}, {"answer", "x"}}}),
            1.0);
  EXPECT_EQ(testing::score_one(*field, {"", "<answer>abc</answer>", {{"answer", "abc"}}}),
            std::nullopt);
  EXPECT_THROW(testing::build_reward("instruction", {{"answer_field", ""}}), ConfigError);
  EXPECT_THROW(testing::build_reward("instruction", {{"case_sensitve", "false"}}), ConfigError);
  EXPECT_THROW(testing::build_reward("instruction", {{"case_sensitive", "maybe"}}), ConfigError);
}

TEST(RewardInstruction, ScoresABatch) {
  auto reward = testing::build_reward("instruction");
  const std::vector<OwnedSample> batch = {
      {"", "<answer>olleh</answer>", {{"answer", "olleh"}}},
      {"", "<answer>hello</answer>", {{"answer", "olleh"}}},
      {"", "<answer>olleh</answer>", nlohmann::json::object()},
  };
  const std::vector<RewardScore> scores = testing::score_all(*reward, batch);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0], 1.0);
  EXPECT_EQ(scores[1], 0.0);
  EXPECT_EQ(scores[2], std::nullopt);
}

}  // namespace
}  // namespace r1forge
