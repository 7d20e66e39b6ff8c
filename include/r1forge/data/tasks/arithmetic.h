// The arithmetic task (the tiny demo's main task): sums of min_terms..max_terms operands of
// `digits` digits, optionally with subtraction, whose worked solution is a running-sum trace:
//   prompt "7+5+8" (compact) | "What is 7+5+8?" (words, en) | "计算 7+5+8 的和。" (words, zh)
//   completion "<think>7+5=12 12+8=20 </think><answer>20</answer>"
// Rows: {"id","task":"arithmetic","language","prompt","answer","completion","num_terms"}; the
// canonical form (the compact expression) decides the split, so a problem's rendering (style,
// language) never moves it between train and test.
// Not here: the split rule (task_split.h), the plain-format pretraining corpus (corpus.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/task_split.h"

namespace r1forge::tasks {

extern const char* const kArithmeticTask;  // "arithmetic": the task name and split-hash salt

struct ArithmeticConfig {
  int64_t min_terms = 3;          // fewest operands in a problem (num_terms is the difficulty)
  int64_t max_terms = 6;          // most operands
  int64_t digits = 1;             // digits of each operand: 1 -> 1..9, 2 -> 10..99, ... (no zero)
  std::string operators = "+";    // "+" sums only | "+-" each operator + or - at random
  bool nonnegative = true;        // with "-": a step that would go below 0 adds instead
  std::string style = "compact";  // compact: the prompt is the expression | words: a sentence
  std::vector<std::string> languages = {"en"};  // of the words style: en and/or zh
  double zh_share = 0.5;                        // with both languages: share of rows in zh
  double test_fraction = 0.2;  // share of the problem space that belongs to the test split
  // Label noise: the share of train rows whose completion ends in <answer>sum + 1</answer>
  // after a correct trace (the `answer` field keeps the sum; test rows are never noisy). SFT
  // on them learns to copy its trace's result only part of the time, a habit that only a
  // reward can correct (configs/tiny/canary.yaml). 0 writes the same bytes as before it existed.
  double answer_noise = 0.0;

  bool operator==(const ArithmeticConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("min_terms", min_terms, "fewest operands per problem", IntRange{2, 64});
    v.field("max_terms", max_terms, "most operands per problem", IntRange{2, 64});
    v.field("digits", digits, "digits per operand (1 -> 1..9, 2 -> 10..99)", IntRange{1, 9});
    v.field("operators", operators, "+ (sums) or +- (sums and differences)", OneOf{"+", "+-"});
    v.field("nonnegative", nonnegative, "with +-: a step below 0 adds instead of subtracting");
    v.field("style", style, "compact (prompt = expression) | words (a sentence)",
            OneOf{"compact", "words"});
    v.field("languages", languages, "languages of the rows: en, zh", OneOf{"en", "zh"});
    v.field("zh_share", zh_share, "with both en and zh: the share of zh rows", RealRange{0.0, 1.0});
    v.field("test_fraction", test_fraction, "share of all problems that are test problems",
            RealRange{0.0, 1.0});
    v.field("answer_noise", answer_noise,
            "share of train completions answering sum + 1 after a correct trace",
            RealRange{0.0, 1.0});
  }
  // ConfigError naming `where` for min_terms > max_terms or an empty/duplicate language list.
  void validate(const std::string& where) const;
};

struct ArithmeticProblem {
  std::vector<int64_t> operands;  // num_terms values
  std::string operators;          // num_terms - 1 characters, '+' or '-'
};

// A random problem of the configured shape (num_terms uniform in [min_terms, max_terms]).
ArithmeticProblem sample_arithmetic_problem(const ArithmeticConfig& config, TaskRng& rng);
// Whether `problem` is one the config can produce (so the split rule applies to it).
bool arithmetic_in_space(const ArithmeticProblem& problem, const ArithmeticConfig& config);

std::string arithmetic_expression(const ArithmeticProblem& problem);  // "7+5+8", the canonical
int64_t arithmetic_value(const ArithmeticProblem& problem);
// The running-sum steps: {"7+5=12", "12+8=20"}.
std::vector<std::string> arithmetic_steps(const ArithmeticProblem& problem);
// "<think>7+5=12 12+8=20 </think><answer>20</answer>"; `answer` replaces the 20 (label noise).
std::string arithmetic_completion(const ArithmeticProblem& problem,
                                  std::optional<int64_t> answer = std::nullopt);
// The prompt in `style` and `language` (see the file comment).
std::string arithmetic_prompt(const ArithmeticProblem& problem,
                              const std::string& style,
                              const std::string& language);

// `train` and `test` rows with distinct, split-disjoint problems.
TaskSplits generate_arithmetic(const ArithmeticConfig& config,
                               int64_t train,
                               int64_t test,
                               uint64_t seed);

}  // namespace r1forge::tasks
