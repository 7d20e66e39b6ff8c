// Tests of the `format` and `tag_count` rewards (rl/rewards/format.h, tag_count.h): the strict
// R1-Zero layout, a prompt that already opened <think>, and open-r1's 0.25-per-tag credit.
#include <gtest/gtest.h>

#include <string>

#include "r1forge/rl/rewards/format.h"
#include "r1forge/rl/rewards/tag_count.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

TEST(RewardFormat, StrictLayout) {
  EXPECT_TRUE(has_r1_format("<think>a</think><answer>b</answer>", false));
  EXPECT_TRUE(has_r1_format("\n <think>\nreason\n</think>\n\n<answer>\n42\n</answer>\n", false));
  EXPECT_TRUE(has_r1_format("<think></think><answer>4</answer>", false));      // empty thinking ok
  EXPECT_FALSE(has_r1_format("<think>a</think><answer> \n</answer>", false));  // blank answer
  EXPECT_FALSE(has_r1_format("Sure! <think>a</think><answer>b</answer>", false));
  EXPECT_FALSE(has_r1_format("<think>a</think> so <answer>b</answer>", false));
  EXPECT_FALSE(has_r1_format("<think>a</think><answer>b</answer> bye", false));
  EXPECT_FALSE(has_r1_format("<answer>b</answer><think>a</think>", false));
  EXPECT_FALSE(has_r1_format("<think>a<think>b</think><answer>c</answer>", false));
  EXPECT_FALSE(has_r1_format("<think>a</think><answer>b</answer><answer>c</answer>", false));
  EXPECT_FALSE(has_r1_format("<think>a</think><answer>b", false));
  EXPECT_FALSE(has_r1_format("a</think><answer>b</answer>", false));
  EXPECT_FALSE(has_r1_format("", false));
  EXPECT_TRUE(has_r1_format("思考。</think><answer>答案</answer>", true));
}

TEST(RewardFormat, ThinkInPrompt) {
  // The prompt ended with "<think>\n": the completion starts inside the block.
  EXPECT_TRUE(has_r1_format("reasoning\n</think>\n<answer>42</answer>", true));
  EXPECT_TRUE(has_r1_format("<think>reasoning</think><answer>42</answer>", true));
  EXPECT_FALSE(has_r1_format("reasoning</think>\n<answer>42</answer> trailing", true));
  EXPECT_FALSE(has_r1_format("reasoning<think></think><answer>42</answer>", true));
}

TEST(RewardFormat, Reward) {
  auto reward = testing::build_reward("format");
  EXPECT_EQ(testing::score_one(*reward, {"", "<think>a</think><answer>b</answer>"}), 1.0);
  EXPECT_EQ(testing::score_one(*reward, {"", "a</think><answer>b</answer>"}), 0.0);
  auto opened = testing::build_reward("format", {{"think_in_prompt", "true"}});
  EXPECT_EQ(testing::score_one(*opened, {"<think>\n", "a</think><answer>b</answer>"}), 1.0);
}

TEST(RewardTagCount, QuarterPerTagSeenOnce) {
  EXPECT_DOUBLE_EQ(tag_count_score("<think>a</think><answer>b</answer>", false, false), 1.0);
  EXPECT_DOUBLE_EQ(tag_count_score("<think>a</think>", false, false), 0.5);
  EXPECT_DOUBLE_EQ(tag_count_score("<think>a</think><think>", false, false), 0.25);
  EXPECT_DOUBLE_EQ(tag_count_score("nothing", false, false), 0.0);
  EXPECT_DOUBLE_EQ(tag_count_score("<answer>1</answer><answer>2</answer>", false, false), 0.0);
  EXPECT_DOUBLE_EQ(tag_count_score("a</think><answer>b</answer>", false, true), 1.0);
  EXPECT_DOUBLE_EQ(tag_count_score("a</think><answer>b</answer>", false, false), 0.75);
}

// open-r1 counts "<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>".
TEST(RewardTagCount, OpenR1Newlines) {
  const std::string exact = "<think>\nx\n</think>\n<answer>\ny\n</answer>";
  EXPECT_DOUBLE_EQ(tag_count_score(exact, true, false), 1.0);
  EXPECT_DOUBLE_EQ(tag_count_score("<think>x</think><answer>y</answer>", true, false), 0.0);
  EXPECT_DOUBLE_EQ(tag_count_score("<think>\nx</think>\n<answer>\ny\n</answer>", true, false),
                   0.75);
  auto reward = testing::build_reward("tag_count", {{"require_newlines", "true"}});
  EXPECT_EQ(testing::score_one(*reward, {"", exact}), 1.0);
}

}  // namespace
}  // namespace r1forge
