// The arithmetic task (the tiny demo's main task): sums of min_terms..max_terms operands of
// `digits` digits, optionally with subtraction, whose worked solution is a running-sum trace:
//   prompt "7+5+8" (compact) | "What is 7+5+8?" (words, en) | "计算 7+5+8 的和。" (words, zh)
//   completion "<think>7+5=12 12+8=20 </think><answer>20</answer>" (trace_words none) |
//   "<think>7 plus 5 is 12 plus 8 is 20 </think>..." (language, en) | "<think>7 加 5 得 12 加 8
//   得 20 </think>..." (language, zh), or the English one for a share of zh train rows (mixing)
// Rows: {"id","task":"arithmetic","language","prompt","answer","completion","num_terms"}, plus
// "mixed_trace" (bool) with trace_words language; the
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
  // The trace's wording: none = digits and symbols only ("7+5=12 12+8=20 ", the bytes of before
  // this option) | language = each step in words of the row's language ("7 plus 5 is 12 plus 8
  // is 20 " / "7 加 5 得 12 加 8 得 20 "), so the language_consistency reward has words to count.
  std::string trace_words = "none";
  // Language mixing as R1-Zero shows it: the share of zh train rows whose trace is written in
  // English words (a mixed-script chain of thought for a Chinese question); the row's
  // mixed_trace field says which. Needs trace_words language. Test rows are never mixed; 0 mixes
  // none.
  double mixed_trace_share = 0.0;

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
    v.field("trace_words", trace_words,
            "none (trace in digits and symbols) | language (steps in words of the row's language)",
            OneOf{"none", "language"});
    v.field("mixed_trace_share", mixed_trace_share,
            "with trace_words language: share of zh train rows whose trace is in English",
            RealRange{0.0, 1.0});
  }
  // ConfigError naming `where` for min_terms > max_terms, an empty/duplicate language list, or
  // mixed_trace_share > 0 without trace_words language and zh among the languages.
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
// The steps in words of `language` ("en": "7 plus 5 is 12 plus 8 is 20 ", "zh": "7 加 5 得 12
// 加 8 得 20 "; minus / 减 for a difference), each step followed by a space.
std::string arithmetic_word_trace(const ArithmeticProblem& problem, const std::string& language);
// "<think>7+5=12 12+8=20 </think><answer>20</answer>"; `answer` replaces the 20 (label noise);
// `trace_language` ("en" or "zh") writes the trace in words instead (arithmetic_word_trace).
std::string arithmetic_completion(const ArithmeticProblem& problem,
                                  std::optional<int64_t> answer = std::nullopt,
                                  const std::string& trace_language = "");
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
