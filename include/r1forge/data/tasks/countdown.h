// The Countdown task (TinyZero): given min_numbers..max_numbers numbers and a target, write an
// equation with + - * / that equals the target using EVERY number exactly once (TinyZero's rule,
// and what the `countdown` reward checks). Problems are made by combining the numbers at random,
// two at a time, so every target is reachable; the worked solution shows those steps:
//   numbers [3, 5, 25], target 60:
//   completion "<think>25-5=20 20*3=60 </think><answer>(25-5)*3</answer>"
// Every intermediate value is a positive integer (subtraction never goes to 0 or below, division
// is exact) and no step multiplies or divides by 1. Rows carry "numbers" and "target" (the
// reward's default metadata keys).
// Not here: scoring (rl/rewards/countdown.h), the split rule (task_split.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/task_split.h"

namespace r1forge::tasks {

extern const char* const kCountdownTask;  // "countdown"

struct CountdownConfig {
  int64_t min_numbers = 3;         // fewest numbers per problem
  int64_t max_numbers = 4;         // most numbers per problem (TinyZero's Countdown-Tasks-3to4)
  int64_t min_number = 1;          // smallest number given
  int64_t max_number = 99;         // largest number given
  int64_t min_target = 1;          // smallest target
  int64_t max_target = 999;        // largest target
  std::string operators = "+-*/";  // the operators solutions may use (any non-empty subset)
  double test_fraction = 0.2;      // share of all problems that are test problems

  bool operator==(const CountdownConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("min_numbers", min_numbers, "fewest numbers per problem", IntRange{2, 6});
    v.field("max_numbers", max_numbers, "most numbers per problem", IntRange{2, 6});
    v.field("min_number", min_number, "smallest number given", IntRange{1, 10000});
    v.field("max_number", max_number, "largest number given", IntRange{1, 10000});
    v.field("min_target", min_target, "smallest target", IntRange{1, 1000000});
    v.field("max_target", max_target, "largest target", IntRange{1, 1000000});
    v.field("operators", operators, "operators solutions use: a subset of +-*/");
    v.field("test_fraction", test_fraction, "share of all problems that are test problems",
            RealRange{0.0, 1.0});
  }
  // ConfigError for min above max, or an operator list that is empty or not within "+-*/".
  void validate(const std::string& where) const;
};

struct CountdownProblem {
  std::vector<int64_t> numbers;  // in the order the prompt lists them
  int64_t target = 0;
  std::string expression;          // one solution, minimal parentheses: "(25-5)*3"
  std::vector<std::string> steps;  // its steps in order: {"25-5=20", "20*3=60"}
};

// A random solvable problem; nullopt when this draw broke a constraint (callers draw again).
std::optional<CountdownProblem> sample_countdown_problem(const CountdownConfig& config,
                                                         TaskRng& rng);
// The split key: the sorted numbers and the target, "3,5,25=60" (not the solution).
std::string countdown_canonical(const CountdownProblem& problem);
std::string countdown_prompt(const CountdownProblem& problem);
std::string countdown_completion(const CountdownProblem& problem);

TaskSplits generate_countdown(const CountdownConfig& config,
                              int64_t train,
                              int64_t test,
                              uint64_t seed);

}  // namespace r1forge::tasks
