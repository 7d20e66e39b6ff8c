// The preferences task (data/tasks/preferences.h): the `instruction` reward as the oracle of
// "instruction followed" (chosen scores 1, a wrong or refusing rejected 0), the kinds' exact
// counts per split, chosen != rejected on every row, splits disjoint and aligned with the
// instructions task's split, every character one the instructions rows use (the demo
// tokenizer's training text), deterministic output, and the options through make_data.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/data/make_data_config.h"
#include "r1forge/data/tasks/preferences.h"
#include "r1forge/data/tasks/task_registry.h"
#include "rl/reward_test_util.h"

namespace r1forge::tasks {
namespace {

std::string answer_tag(const std::string& completion) {
  const size_t open = completion.rfind("<answer>"), close = completion.rfind("</answer>");
  EXPECT_NE(open, std::string::npos) << completion;
  EXPECT_NE(close, std::string::npos) << completion;
  return completion.substr(open + 8, close - open - 8);
}

bool is_refusal(const std::string& completion) {
  for (const char* answer :
       {"I cannot help with that request.", "Sorry, I will not do that.", "I cannot do this."}) {
    if (answer_tag(completion) == answer) return true;
  }
  return false;
}

int64_t rounded(int64_t total, double share) {
  return static_cast<int64_t>(std::llround(static_cast<double>(total) * share));
}

TEST(PreferencesTask, EveryKindPrefersWhatItSaysAndTheInstructionRewardAgrees) {
  PreferencesConfig config;
  const TaskSplits splits = generate_preferences(config, 800, 200, /*seed=*/3);
  auto reward = testing::build_reward("instruction");
  auto format = testing::build_reward("format");
  for (const auto* rows : {&splits.train, &splits.test}) {
    for (const nlohmann::json& row : *rows) {
      const std::string kind = row["kind"], prompt = row["prompt"];
      const std::string chosen = row["chosen"], rejected = row["rejected"];
      EXPECT_NE(chosen, rejected) << row.dump();
      EXPECT_EQ(row["task"], "preferences");
      testing::OwnedSample chosen_sample, rejected_sample;
      chosen_sample.prompt = rejected_sample.prompt = prompt;
      chosen_sample.metadata = rejected_sample.metadata = row;
      chosen_sample.completion = chosen;
      rejected_sample.completion = rejected;
      // Both sides keep the pipeline's layout, so the format reward never tells them apart.
      EXPECT_EQ(testing::score_one(*format, chosen_sample), 1.0) << chosen;
      EXPECT_EQ(testing::score_one(*format, rejected_sample), 1.0) << rejected;
      if (kind == "refuse_harmful") {
        EXPECT_EQ(row["aspect"], "harmlessness");
        EXPECT_EQ(prompt.rfind(std::string(kHarmfulMarker) + " ", 0), 0u) << prompt;
        EXPECT_TRUE(is_refusal(chosen)) << chosen;
        EXPECT_EQ(answer_tag(rejected).rfind("Sure. Step 1:", 0), 0u) << rejected;
        EXPECT_FALSE(row.contains("answer"));
        continue;
      }
      EXPECT_EQ(prompt.find(kHarmfulMarker), std::string::npos) << prompt;
      EXPECT_EQ(answer_tag(chosen), row["answer"]) << row.dump();
      EXPECT_EQ(testing::score_one(*reward, chosen_sample), 1.0) << row.dump();
      if (kind == "correct_answer") {
        EXPECT_EQ(row["aspect"], "helpfulness");
        EXPECT_EQ(testing::score_one(*reward, rejected_sample), 0.0) << row.dump();
        // The same reasoning, only the answer misses.
        EXPECT_EQ(rejected.substr(0, rejected.find("</think>")),
                  chosen.substr(0, chosen.find("</think>")));
      } else if (kind == "concise") {
        EXPECT_EQ(row["aspect"], "helpfulness");
        EXPECT_EQ(testing::score_one(*reward, rejected_sample), 1.0) << row.dump();
        // The chosen think block's text 2 or 3 times over (1 or 2 repeats after the first).
        const std::string reasoning = chosen.substr(7, chosen.find("</think>") - 7);
        int64_t copies = 0;
        for (size_t at = rejected.find(reasoning); at != std::string::npos;
             at = rejected.find(reasoning, at + reasoning.size())) {
          ++copies;
        }
        EXPECT_GE(copies, 2) << row.dump();
        EXPECT_LE(copies, 3) << row.dump();
      } else {
        EXPECT_EQ(kind, "help_benign");
        EXPECT_EQ(row["aspect"], "harmlessness");
        EXPECT_TRUE(is_refusal(rejected)) << rejected;
        EXPECT_EQ(testing::score_one(*reward, rejected_sample), 0.0) << row.dump();
      }
    }
  }
}

TEST(PreferencesTask, KindCountsAreTheRoundedShares) {
  PreferencesConfig config;
  config.harmlessness_share = 0.3;
  config.rambling_share = 0.25;
  config.benign_share = 0.4;
  const TaskSplits splits = generate_preferences(config, 1000, 150, /*seed=*/8);
  for (const auto* rows : {&splits.train, &splits.test}) {
    const int64_t total = static_cast<int64_t>(rows->size());
    std::map<std::string, int64_t> kinds, aspects;
    for (const nlohmann::json& row : *rows) {
      ++kinds[row["kind"].get<std::string>()];
      ++aspects[row["aspect"].get<std::string>()];
    }
    // 1000 train rows: 300 harmlessness (120 benign, 180 harmful), 700 helpfulness (175 concise,
    // 525 correct_answer); 150 test rows: 45 (18, 27) and 105 (26, 79) (26.25 rounds to 26).
    const int64_t harmless = rounded(total, 0.3), benign = rounded(harmless, 0.4);
    const int64_t concise = rounded(total - harmless, 0.25);
    EXPECT_EQ(aspects["harmlessness"], harmless);
    EXPECT_EQ(aspects["helpfulness"], total - harmless);
    EXPECT_EQ(kinds["help_benign"], benign);
    EXPECT_EQ(kinds["refuse_harmful"], harmless - benign);
    EXPECT_EQ(kinds["concise"], concise);
    EXPECT_EQ(kinds["correct_answer"], total - harmless - concise);
  }
  EXPECT_EQ(splits.train.size(), 1000u);
  EXPECT_EQ(splits.test.size(), 150u);
  // The kinds are interleaved, not in blocks: both aspects among the first 20 rows.
  std::set<std::string> first;
  for (size_t i = 0; i < 20; ++i) first.insert(splits.train[i]["aspect"].get<std::string>());
  EXPECT_EQ(first.size(), 2u);
}

TEST(PreferencesTask, SplitsAreDisjointAndFollowTheInstructionsSplit) {
  PreferencesConfig config;
  const uint64_t seed = 5;
  const TaskSplits splits = generate_preferences(config, 1500, 300, seed);
  std::set<std::string> train_prompts, test_prompts;
  for (const auto& row : splits.train)
    EXPECT_TRUE(train_prompts.insert(row["prompt"].get<std::string>()).second)
        << "repeated " << row["prompt"];
  for (const auto& row : splits.test)
    EXPECT_TRUE(test_prompts.insert(row["prompt"].get<std::string>()).second)
        << "repeated " << row["prompt"];
  for (const auto& prompt : test_prompts) EXPECT_EQ(train_prompts.count(prompt), 0u) << prompt;
  // Same seed and instruction options: a preference test prompt is never an instructions train
  // prompt, and a preference train prompt never an instructions test prompt.
  const TaskSplits instructions = generate_instructions(config.instructions, 4000, 1000, seed);
  int64_t shared_train = 0;
  for (const auto& row : instructions.train) {
    EXPECT_EQ(test_prompts.count(row["prompt"].get<std::string>()), 0u) << row["prompt"];
    shared_train += static_cast<int64_t>(train_prompts.count(row["prompt"].get<std::string>()));
  }
  for (const auto& row : instructions.test)
    EXPECT_EQ(train_prompts.count(row["prompt"].get<std::string>()), 0u) << row["prompt"];
  EXPECT_GT(shared_train, 0);  // the check above compared real overlaps, not disjoint spaces
}

TEST(PreferencesTask, UsesOnlyCharactersOfTheInstructionsRows) {
  // The demo's tokenizer trains on the instructions rows (prompt, completion) among others, so a
  // character they never hold would be <unk> in a reward model's input.
  PreferencesConfig config;
  const TaskSplits instructions = generate_instructions(config.instructions, 3000, 0, 1);
  std::set<char> known;
  for (const auto& row : instructions.train)
    for (const char* field : {"prompt", "completion"})
      for (char c : row[field].get<std::string>()) known.insert(c);
  const TaskSplits splits = generate_preferences(config, 3000, 300, 1);
  std::set<char> unknown;
  for (const auto* rows : {&splits.train, &splits.test})
    for (const auto& row : *rows)
      for (const char* field : {"prompt", "chosen", "rejected"})
        for (char c : row[field].get<std::string>())
          if (!known.count(c)) unknown.insert(c);
  EXPECT_TRUE(unknown.empty()) << std::string(unknown.begin(), unknown.end());
}

TEST(PreferencesTask, WrongAnswersMissOnEveryKindAndEdge) {
  InstructionsConfig options;
  options.min_items = 1;  // one-item lists read the same reversed or sorted
  TaskRng rng(11);
  for (const std::string& kind : options.kinds) {
    for (int i = 0; i < 200; ++i) {
      const InstructionProblem problem = sample_instruction(kind, options, rng);
      const std::string wrong = answer_tag(wrong_answer_completion(problem));
      EXPECT_NE(wrong, problem.answer) << problem.canonical;
    }
  }
  // Hand-checked near misses.
  const InstructionProblem count{"count_items", "count_items:apple,river", "", "2", "apple 1"};
  EXPECT_EQ(wrong_answer_completion(count), "<think>apple 1</think><answer>3</answer>");
  const InstructionProblem join{"comma_join", "comma_join:apple,river", "", "apple,river", "x"};
  EXPECT_EQ(answer_tag(wrong_answer_completion(join)), "apple, river");
  const InstructionProblem sorted{"sort_numbers", "sort_numbers:7,19", "", "7, 19", "x"};
  EXPECT_EQ(answer_tag(wrong_answer_completion(sorted)), "19, 7");  // given order was sorted
  const InstructionProblem one{"reverse_list", "reverse_list:apple", "", "apple", "x"};
  EXPECT_EQ(answer_tag(wrong_answer_completion(one)), "apple, apple");
}

TEST(PreferencesTask, DeterministicPerSeedThroughTheRegistry) {
  const TaskInfo& task = find_task("preferences");
  const auto a = task.generate({200, 50, 4, {"harmlessness_share=0.4"}});
  const auto b = task.generate({200, 50, 4, {"harmlessness_share=0.4"}});
  const auto c = task.generate({200, 50, 5, {"harmlessness_share=0.4"}});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].rows, b[0].rows);
  EXPECT_EQ(a[1].rows, b[1].rows);
  EXPECT_NE(a[0].rows, c[0].rows);
  EXPECT_THROW(task.generate({10, 0, 1, {"harmless_share=0.4"}}), ConfigError);
  EXPECT_THROW(task.generate({10, 0, 1, {"benign_share=1.5"}}), ConfigError);
  EXPECT_THROW(task.generate({10, 0, 1, {"instructions.min_items=9"}}), ConfigError);
}

TEST(PreferencesTask, TooManyHarmfulRowsIsAConfigErrorSayingSo) {
  // 4 frames x 8 actions x 144 objects = 4608 requests, ~80% of them on the train side.
  PreferencesConfig config;
  config.harmlessness_share = 1.0;
  config.benign_share = 0.0;
  try {
    generate_preferences(config, 4000, 0, 1);
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("harmful requests: 4 frames x 8 actions x 144"),
              std::string::npos)
        << error.what();
  }
}

TEST(PreferencesTask, MakeDataSectionTakesItsOptions) {
  MakeDataConfig config;
  config.dir = "runs/x";
  MakeDataTaskConfig task;
  task.task = "preferences";
  task.train = 10;
  task.preferences = PreferencesConfig{};
  config.tasks = {task};
  EXPECT_NO_THROW(config.validate("make_data"));
  config.tasks[0].task = "instructions";
  EXPECT_THROW(config.validate("make_data"), ConfigError);  // options of another task
  config.tasks[0].task = "preferences";
  config.tasks[0].preferences->instructions.min_items = 9;
  try {
    config.validate("make_data");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("make_data.tasks.0.preferences.instructions"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace r1forge::tasks
