// General instructions with one exact, rule-checkable answer, for the non-reasoning SFT data and
// the general-RL stage (scored by the `instruction` reward): reverse a word or a list, sort
// numbers or letters, count items or a letter, copy words in a given format. Each row has
// "instruction" (the kind), "answer" (the exact expected output) and a short worked completion:
//   prompt  "Sort these numbers from smallest to largest: 42, 7, 19. Answer with the numbers
//            separated by commas."
//   completion "<think>smallest to largest: 7 < 19 < 42</think><answer>7, 19, 42</answer>"
// Kinds: reverse_word, reverse_list, sort_numbers, sort_letters, count_items, count_letter,
// uppercase, comma_join, brackets. The canonical form (kind and input) decides the split.
// Not here: scoring (rl/rewards/instruction.h), the split rule (task_split.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/task_split.h"

namespace r1forge::tasks {

extern const char* const kInstructionsTask;  // "instructions"

struct InstructionsConfig {
  // The kinds to draw from, each equally likely per draw (a kind whose problems are used up
  // gives repeats, which are skipped).
  std::vector<std::string> kinds = {"reverse_word", "reverse_list", "sort_numbers",
                                    "sort_letters", "count_items",  "count_letter",
                                    "uppercase",    "comma_join",   "brackets"};
  int64_t min_items = 3;       // fewest items in a list (words, numbers or letters)
  int64_t max_items = 6;       // most items in a list
  int64_t max_number = 99;     // numbers to sort are 0..max_number
  double test_fraction = 0.2;  // share of all problems that are test problems

  bool operator==(const InstructionsConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("kinds", kinds, "instruction kinds to draw from",
            OneOf{"reverse_word", "reverse_list", "sort_numbers", "sort_letters", "count_items",
                  "count_letter", "uppercase", "comma_join", "brackets"});
    v.field("min_items", min_items, "fewest items in a list", IntRange{1, 50});
    v.field("max_items", max_items, "most items in a list", IntRange{1, 50});
    v.field("max_number", max_number, "numbers to sort are 0..max_number", IntRange{1, 1000000});
    v.field("test_fraction", test_fraction, "share of all problems that are test problems",
            RealRange{0.0, 1.0});
  }
  // ConfigError for min_items > max_items or an empty kinds list.
  void validate(const std::string& where) const;
};

struct InstructionProblem {
  std::string kind;       // one of the kinds above
  std::string canonical;  // kind and input, e.g. "sort_numbers:42,7,19"
  std::string prompt;
  std::string answer;     // the exact expected output
  std::string reasoning;  // the <think> content
};

// The words reverse/count/format instructions draw from (lowercase ASCII, 3..8 letters).
const std::vector<std::string>& instruction_words();

// One random problem of `kind`.
InstructionProblem sample_instruction(const std::string& kind,
                                      const InstructionsConfig& config,
                                      TaskRng& rng);
std::string instruction_completion(const InstructionProblem& problem);

TaskSplits generate_instructions(const InstructionsConfig& config,
                                 int64_t train,
                                 int64_t test,
                                 uint64_t seed);

}  // namespace r1forge::tasks
