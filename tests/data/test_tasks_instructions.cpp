// The instructions task (data/tasks/instructions.h): every generated row's answer recomputed
// from its prompt text by an independent oracle per kind, every completion scored 1 by the
// `instruction` reward, all kinds drawn, splits disjoint, output deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/data/tasks/instructions.h"
#include "r1forge/data/tasks/task_registry.h"
#include "rl/reward_test_util.h"

namespace r1forge::tasks {
namespace {

// The text between `start` and `end` in `prompt` (asserts both are there).
std::string between(const std::string& prompt, const std::string& start, const std::string& end) {
  const size_t from = prompt.find(start);
  EXPECT_NE(from, std::string::npos) << prompt;
  const size_t begin = from + start.size();
  const size_t to = end.empty() ? prompt.size() : prompt.find(end, begin);
  EXPECT_NE(to, std::string::npos) << prompt;
  return prompt.substr(begin, to - begin);
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  for (size_t at = 0;;) {
    const size_t next = text.find(separator, at);
    parts.push_back(text.substr(at, next - at));
    if (next == std::string::npos) return parts;
    at = next + separator.size();
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i ? separator : "") + parts[i];
  return text;
}

// What the answer must be, worked out from the prompt alone.
std::string expected_answer(const std::string& kind, const std::string& prompt) {
  if (kind == "reverse_word") {
    std::string word = between(prompt, "word \"", "\"");
    return {word.rbegin(), word.rend()};
  }
  if (kind == "reverse_list") {
    std::vector<std::string> items = split(between(prompt, "list: ", ". Answer"), ", ");
    std::reverse(items.begin(), items.end());
    return join(items, ", ");
  }
  if (kind == "sort_numbers") {
    std::vector<int64_t> numbers;
    for (const auto& item : split(between(prompt, "largest: ", ". Answer"), ", "))
      numbers.push_back(std::stoll(item));
    std::sort(numbers.begin(), numbers.end());
    std::vector<std::string> text;
    for (int64_t number : numbers) text.push_back(std::to_string(number));
    return join(text, ", ");
  }
  if (kind == "sort_letters") {
    std::vector<std::string> letters = split(between(prompt, "alphabetically: ", ". Answer"), ", ");
    std::sort(letters.begin(), letters.end());
    return join(letters, ", ");
  }
  if (kind == "count_items")
    return std::to_string(split(between(prompt, "list: ", "? Answer"), ", ").size());
  if (kind == "count_letter") {
    const std::string letter = between(prompt, "letter \"", "\"");
    const std::string word = between(prompt, "word \"", "\"");
    return std::to_string(std::count(word.begin(), word.end(), letter.at(0)));
  }
  if (kind == "uppercase") {
    std::string text = between(prompt, "uppercase: ", "");
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }
  if (kind == "comma_join") return join(split(between(prompt, "no spaces: ", ""), " "), ",");
  EXPECT_EQ(kind, "brackets");
  std::vector<std::string> words = split(between(prompt, "by spaces: ", ""), " ");
  for (auto& word : words) word = "[" + word + "]";
  return join(words, " ");
}

TEST(InstructionsTask, AnswersFollowFromThePromptAndScoreOne) {
  InstructionsConfig config;
  const TaskSplits splits = generate_instructions(config, 900, 200, /*seed=*/21);
  ASSERT_EQ(splits.train.size(), 900u);
  ASSERT_EQ(splits.test.size(), 200u);
  auto reward = testing::build_reward("instruction");
  auto format = testing::build_reward("format");
  std::set<std::string> kinds, train_prompts, test_prompts;
  bool zero_count = false;
  for (const auto* rows : {&splits.train, &splits.test}) {
    for (const nlohmann::json& row : *rows) {
      const std::string kind = row["instruction"], prompt = row["prompt"];
      kinds.insert(kind);
      EXPECT_EQ(row["task"], "instructions");
      EXPECT_EQ(row["answer"], expected_answer(kind, prompt)) << prompt;
      zero_count = zero_count || (kind == "count_letter" && row["answer"] == "0");
      const std::string completion = row["completion"];
      EXPECT_EQ(completion.rfind("<think>", 0), 0u);
      EXPECT_NE(
          completion.find("</think><answer>" + row["answer"].get<std::string>() + "</answer>"),
          std::string::npos);
      testing::OwnedSample sample{prompt, completion, row};
      EXPECT_EQ(testing::score_one(*reward, sample), 1.0) << row.dump();
      EXPECT_EQ(testing::score_one(*format, sample), 1.0) << row.dump();
      // Same kind and input -> same prompt, so prompts stand in for the canonical form.
      EXPECT_TRUE((rows == &splits.test ? test_prompts : train_prompts).insert(prompt).second)
          << prompt;
    }
  }
  EXPECT_EQ(kinds.size(), config.kinds.size());
  EXPECT_TRUE(zero_count);  // some letters are not in the word
  for (const auto& prompt : test_prompts) EXPECT_EQ(train_prompts.count(prompt), 0u) << prompt;
}

TEST(InstructionsTask, HandCheckedShapes) {
  InstructionsConfig config;
  config.min_items = config.max_items = 3;
  TaskRng rng(1);
  const InstructionProblem sorted = sample_instruction("sort_numbers", config, rng);
  std::vector<std::string> numbers = split(sorted.answer, ", ");
  ASSERT_EQ(numbers.size(), 3u);
  EXPECT_LT(std::stoll(numbers[0]), std::stoll(numbers[1]));
  EXPECT_LT(std::stoll(numbers[1]), std::stoll(numbers[2]));
  EXPECT_EQ(sorted.reasoning, "smallest to largest: " + join(numbers, " < "));
  EXPECT_EQ(sorted.canonical.rfind("sort_numbers:", 0), 0u);
  const InstructionProblem reversed = sample_instruction("reverse_word", config, rng);
  // e.g. "planet": reasoning "p l a n e t reversed: t e n a l p".
  const std::string word = between(reversed.prompt, "word \"", "\"");
  std::string spaced;
  for (size_t i = 0; i < word.size(); ++i) (spaced += i ? " " : "") += word[i];
  EXPECT_EQ(reversed.reasoning.rfind(spaced + " reversed: ", 0), 0u) << reversed.reasoning;
  EXPECT_EQ(instruction_completion(reversed),
            "<think>" + reversed.reasoning + "</think><answer>" + reversed.answer + "</answer>");
  const InstructionProblem brackets = sample_instruction("brackets", config, rng);
  EXPECT_EQ(split(brackets.answer, " ").size(), 3u);
  EXPECT_EQ(brackets.answer.front(), '[');
  EXPECT_EQ(brackets.answer.back(), ']');
}

TEST(InstructionsTask, WordListIsCleanAndDistinct) {
  const auto& words = instruction_words();
  EXPECT_GE(words.size(), 100u);
  EXPECT_EQ(std::set<std::string>(words.begin(), words.end()).size(), words.size());
  for (const std::string& word : words) {
    EXPECT_GE(word.size(), 3u) << word;
    EXPECT_LE(word.size(), 8u) << word;
    for (char c : word) EXPECT_TRUE(c >= 'a' && c <= 'z') << word;
  }
}

TEST(InstructionsTask, KindsOptionDeterminismAndErrors) {
  const std::string where = "make-data --task instructions";
  InstructionsConfig config =
      parse_task_options<InstructionsConfig>({"kinds=[sort_letters, uppercase]"}, where);
  const TaskSplits splits = generate_instructions(config, 60, 15, 2);
  for (const auto& row : splits.train)
    EXPECT_TRUE(row["instruction"] == "sort_letters" || row["instruction"] == "uppercase");
  EXPECT_EQ(generate_instructions(config, 60, 15, 2).test, splits.test);
  EXPECT_NE(generate_instructions(config, 60, 15, 3).test, splits.test);
  EXPECT_THROW(parse_task_options<InstructionsConfig>({"kinds=[shout]"}, where), ConfigError);
  EXPECT_THROW(parse_task_options<InstructionsConfig>({"kinds=[]"}, where), ConfigError);
  EXPECT_THROW(parse_task_options<InstructionsConfig>({"max_items=27"}, where), ConfigError);
  EXPECT_THROW(parse_task_options<InstructionsConfig>({"min_items=4", "max_items=3"}, where),
               ConfigError);
}

}  // namespace
}  // namespace r1forge::tasks
