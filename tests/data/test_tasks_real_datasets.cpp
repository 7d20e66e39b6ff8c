// Real dataset shapes through the same path the RL stages use: GSM8K ({"question", "answer":
// "... #### 72"}), MATH ({"problem", "solution": "... \boxed{3}"}) and open-r1 ({"problem",
// "answer"}) rows load with PromptDataConfig.prompt_field and score with the accuracy reward
// (answer_field names the gold); generated arithmetic rows load and score the same way.
#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/tiny_model.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/data/tasks/task_registry.h"
#include "rl/reward_test_util.h"

namespace r1forge {
namespace {

class RealDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model");
    tokenizer_ = load_tokenizer(dir_ / "model");
  }
  PromptDataset load(const std::vector<nlohmann::json>& rows, const std::string& prompt_field) {
    const auto path = dir_ / (prompt_field + ".jsonl");
    std::ofstream out(path);
    for (const auto& row : rows) out << row.dump() << "\n";
    out.close();
    PromptDataConfig config;
    config.path = path.string();
    config.prompt_field = prompt_field;
    return load_prompt_dataset(config, *tokenizer_);
  }
  // The reward's score of `completion` for a loaded row, as the GRPO stage would call it.
  static RewardScore score(RewardFunction& reward,
                           const PromptRow& row,
                           const std::string& completion) {
    RewardSample sample;
    sample.prompt = row.text;
    sample.completion = completion;
    sample.metadata = &row.metadata;
    return reward.score({sample}).at(0);
  }
  testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(RealDatasetTest, Gsm8kQuestionAndHashAnswer) {
  const PromptDataset data =
      load({{{"question",
              "Natalia sold clips to 48 of her friends in April, and then she sold half as "
              "many clips in May. How many clips did Natalia sell altogether?"},
             {"answer",
              "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = "
              "<<48+24=72>>72 clips altogether in April and May.\n#### 72"}}},
           "question");
  ASSERT_EQ(data.rows.size(), 1u);
  const PromptRow& row = data.rows[0];
  EXPECT_NE(row.text.find("User: Natalia sold clips"), std::string::npos);  // r1_zero template
  auto accuracy = testing::build_reward("accuracy");                        // answer_field: answer
  EXPECT_EQ(score(*accuracy, row, "<think>48/2=24, 48+24=72</think><answer>72</answer>"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "<think>48+24</think><answer>71</answer>"), 0.0);
  EXPECT_EQ(score(*accuracy, row, "She sold 72 clips.\n#### 72"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "no answer given"), 0.0);
}

TEST_F(RealDatasetTest, MathProblemAndBoxedSolution) {
  const PromptDataset data =
      load({{{"problem", "What is the value of $\\frac{6}{2}$?"},
             {"solution", "Dividing, $\\frac{6}{2} = 3$, so the answer is $\\boxed{3}$."},
             {"level", "Level 1"},
             {"type", "Prealgebra"}}},
           "problem");
  const PromptRow& row = data.rows.at(0);
  auto accuracy = testing::build_reward("accuracy", {{"answer_field", "solution"}});
  EXPECT_EQ(score(*accuracy, row, "<think>6/2</think><answer>3</answer>"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "so it is $\\boxed{3}$"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "<answer>$\\frac{6}{2}$</answer>"), 1.0);  // equivalent
  EXPECT_EQ(score(*accuracy, row, "<answer>4</answer>"), 0.0);
  // Without answer_field the reward looks for "answer", which MATH rows lack: none, not 0.
  auto default_field = testing::build_reward("accuracy");
  EXPECT_EQ(score(*default_field, row, "<answer>3</answer>"), std::nullopt);
}

TEST_F(RealDatasetTest, OpenR1ProblemAndAnswer) {
  const PromptDataset data =
      load({{{"problem", "A fair coin is tossed once. What is the probability of heads?"},
             {"answer", "\\frac{1}{2}"},
             {"solution", "There are two equally likely outcomes, so $\\boxed{\\frac{1}{2}}$."}}},
           "problem");
  const PromptRow& row = data.rows.at(0);
  auto accuracy = testing::build_reward("accuracy");
  EXPECT_EQ(score(*accuracy, row, "<answer>\\frac{1}{2}</answer>"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "<answer>0.5</answer>"), 1.0);
  EXPECT_EQ(score(*accuracy, row, "<answer>$\\frac{1}{3}$</answer>"), 0.0);
}

TEST_F(RealDatasetTest, GeneratedTaskRowsLoadAndScore) {
  const tasks::TaskInfo& arithmetic = tasks::find_task("arithmetic");
  const auto files = arithmetic.generate({20, 5, 1, {"style=words"}});
  const PromptDataset data = load(files[0].rows, "prompt");
  ASSERT_EQ(data.rows.size(), 20u);
  auto accuracy = testing::build_reward("accuracy");
  for (size_t i = 0; i < data.rows.size(); ++i) {
    const PromptRow& row = data.rows[i];
    EXPECT_EQ(score(*accuracy, row, row.metadata["completion"]), 1.0) << row.metadata.dump();
    EXPECT_EQ(score(*accuracy, row, "<answer>-1</answer>"), 0.0);
  }
}

}  // namespace
}  // namespace r1forge
