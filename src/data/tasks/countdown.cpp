// The Countdown task; see include/r1forge/data/tasks/countdown.h.
#include "r1forge/data/tasks/countdown.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

// Intermediate values stay below this, so products of large numbers cannot overflow int64.
constexpr int64_t kMaxIntermediate = 100000000;
// Draws that break a constraint in a row before the options are declared unsatisfiable.
constexpr int64_t kMaxFailedDraws = 200000;

// A partial expression: its value, its text and the precedence of its top operator.
struct Node {
  int64_t value;
  std::string text;
  int precedence;  // 1: + -, 2: * /, 3: a number (never needs parentheses)
};

int precedence_of(char op) {
  return op == '+' || op == '-' ? 1 : 2;
}

// `left op right` with only the parentheses the usual precedence rules need: a child whose top
// operator binds weaker than `op`, and a right child of - or / whose operator binds as strongly
// (a-(b-c), a/(b*c)); + and * are associative, so a+(b-c) prints as a+b-c.
std::string combine_text(const Node& left, char op, const Node& right) {
  const int p = precedence_of(op);
  const bool left_parens = left.precedence < p;
  const bool right_parens =
      right.precedence < p || (right.precedence == p && (op == '-' || op == '/'));
  std::string text = left_parens ? "(" + left.text + ")" : left.text;
  text += op;
  text += right_parens ? "(" + right.text + ")" : right.text;
  return text;
}

// The value of left op right when it is a positive integer below kMaxIntermediate. Multiplying
// or dividing by 1 is refused too: it lets a solution park a number without using it.
std::optional<int64_t> apply(int64_t left, char op, int64_t right) {
  if ((op == '*' && (left == 1 || right == 1)) || (op == '/' && right == 1)) return std::nullopt;
  int64_t value = 0;
  switch (op) {
    case '+': value = left + right; break;
    case '-': value = left - right; break;
    case '*': value = left * right; break;
    default:
      if (right == 0 || left % right != 0) return std::nullopt;
      value = left / right;
  }
  if (value <= 0 || value >= kMaxIntermediate) return std::nullopt;
  return value;
}

std::string join_numbers(const std::vector<int64_t>& numbers, const char* separator) {
  std::string text;
  for (size_t i = 0; i < numbers.size(); ++i)
    text += (i ? separator : "") + std::to_string(numbers[i]);
  return text;
}

}  // namespace

const char* const kCountdownTask = "countdown";

void CountdownConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(min_numbers <= max_numbers, where, ": min_numbers (", min_numbers,
                   ") is above max_numbers (", max_numbers, ")");
  R1F_CHECK_CONFIG(min_number <= max_number, where, ": min_number (", min_number,
                   ") is above max_number (", max_number, ")");
  R1F_CHECK_CONFIG(min_target <= max_target, where, ": min_target (", min_target,
                   ") is above max_target (", max_target, ")");
  R1F_CHECK_CONFIG(!operators.empty(), where, ": operators is empty; use a subset of +-*/");
  for (char op : operators) {
    R1F_CHECK_CONFIG(op == '+' || op == '-' || op == '*' || op == '/', where, ": operators '",
                     operators, "' holds '", op, "'; use a subset of +-*/");
  }
}

std::optional<CountdownProblem> sample_countdown_problem(const CountdownConfig& config,
                                                         TaskRng& rng) {
  const int64_t count = rng.uniform(config.min_numbers, config.max_numbers);
  CountdownProblem problem;
  std::vector<Node> pool;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t number = rng.uniform(config.min_number, config.max_number);
    problem.numbers.push_back(number);
    pool.push_back({number, std::to_string(number), 3});
  }
  // The Countdown game itself: take two of what is left, combine them, put the result back.
  while (pool.size() > 1) {
    const auto last = static_cast<int64_t>(pool.size()) - 1;
    const auto i = static_cast<size_t>(rng.uniform(0, last));
    auto j = static_cast<size_t>(rng.uniform(0, last - 1));
    if (j >= i) ++j;
    const char op = config.operators[static_cast<size_t>(
        rng.uniform(0, static_cast<int64_t>(config.operators.size()) - 1))];
    // For - and / put the larger value first: the other order is never a positive integer
    // unless the two are equal.
    Node left = pool[i], right = pool[j];
    if ((op == '-' || op == '/') && left.value < right.value) std::swap(left, right);
    const std::optional<int64_t> value = apply(left.value, op, right.value);
    if (!value) return std::nullopt;
    problem.steps.push_back(std::to_string(left.value) + op + std::to_string(right.value) + "=" +
                            std::to_string(*value));
    Node combined{*value, combine_text(left, op, right), precedence_of(op)};
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
    pool.push_back(std::move(combined));
  }
  problem.target = pool[0].value;
  problem.expression = pool[0].text;
  if (problem.target < config.min_target || problem.target > config.max_target) return std::nullopt;
  return problem;
}

std::string countdown_canonical(const CountdownProblem& problem) {
  std::vector<int64_t> sorted = problem.numbers;
  std::sort(sorted.begin(), sorted.end());
  return join_numbers(sorted, ",") + "=" + std::to_string(problem.target);
}

std::string countdown_prompt(const CountdownProblem& problem) {
  return "Using the numbers [" + join_numbers(problem.numbers, ", ") +
         "], create an equation that equals " + std::to_string(problem.target) +
         ". You can use basic arithmetic operations (+, -, *, /) and each number must be used "
         "exactly once.";
}

std::string countdown_completion(const CountdownProblem& problem) {
  std::string text = "<think>";
  for (const std::string& step : problem.steps) text += step + " ";
  return text + "</think><answer>" + problem.expression + "</answer>";
}

TaskSplits generate_countdown(const CountdownConfig& config,
                              int64_t train,
                              int64_t test,
                              uint64_t seed) {
  TaskRng rng(derive_seed(seed, "tasks/countdown/sample"));
  SplitCollector collector(kCountdownTask, seed, config.test_fraction, train, test);
  const std::string space =
      "numbers " + std::to_string(config.min_numbers) + ".." + std::to_string(config.max_numbers) +
      " in " + std::to_string(config.min_number) + ".." + std::to_string(config.max_number) +
      ", targets " + std::to_string(config.min_target) + ".." + std::to_string(config.max_target) +
      ", operators " + config.operators;
  TaskSplits splits;
  int64_t failed = 0;
  while (!collector.full()) {
    const std::optional<CountdownProblem> problem = sample_countdown_problem(config, rng);
    if (!problem) {
      R1F_CHECK_CONFIG(++failed < kMaxFailedDraws, "make-data --task countdown: ", kMaxFailedDraws,
                       " draws in a row found no problem whose steps stay ",
                       "positive integers with a target in ", config.min_target, "..",
                       config.max_target, " (", space, "); widen the target range");
      continue;
    }
    failed = 0;
    const std::optional<Split> split = collector.offer(countdown_canonical(*problem), space);
    if (!split) continue;
    auto& rows = *split == Split::TRAIN ? splits.train : splits.test;
    rows.push_back({{"id", row_id(kCountdownTask, *split, static_cast<int64_t>(rows.size()))},
                    {"task", kCountdownTask},
                    {"language", "en"},
                    {"prompt", countdown_prompt(*problem)},
                    {"answer", problem->expression},
                    {"completion", countdown_completion(*problem)},
                    {"numbers", problem->numbers},
                    {"target", problem->target},
                    {"num_numbers", static_cast<int64_t>(problem->numbers.size())}});
  }
  return splits;
}

}  // namespace r1forge::tasks
