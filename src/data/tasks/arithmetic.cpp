// The arithmetic task; see include/r1forge/data/tasks/arithmetic.h.
#include "r1forge/data/tasks/arithmetic.h"

#include <algorithm>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

int64_t lowest_operand(int64_t digits) {
  int64_t value = 1;
  for (int64_t i = 1; i < digits; ++i) value *= 10;
  return value;  // 1, 10, 100, ...
}
int64_t highest_operand(int64_t digits) {
  return lowest_operand(digits) * 10 - 1;  // 9, 99, 999, ...
}

bool has_language(const ArithmeticConfig& config, const char* language) {
  return std::find(config.languages.begin(), config.languages.end(), language) !=
         config.languages.end();
}

std::string space_description(const ArithmeticConfig& config) {
  return "digits " + std::to_string(config.digits) + ", terms " + std::to_string(config.min_terms) +
         ".." + std::to_string(config.max_terms) + ", operators " + config.operators;
}

}  // namespace

const char* const kArithmeticTask = "arithmetic";

void ArithmeticConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(min_terms <= max_terms, where, ": min_terms (", min_terms,
                   ") is above max_terms (", max_terms, ")");
  R1F_CHECK_CONFIG(!languages.empty(), where, ": languages is empty; name en and/or zh");
  R1F_CHECK_CONFIG(
      std::set<std::string>(languages.begin(), languages.end()).size() == languages.size(), where,
      ": languages lists a language twice");
  // Mixing rewrites zh rows' word traces in English: with digit traces or no zh rows there is
  // nothing to mix, and the value would silently do nothing.
  R1F_CHECK_CONFIG(mixed_trace_share == 0.0 || trace_words == "language", where,
                   ": mixed_trace_share (", mixed_trace_share,
                   ") needs trace_words: language (the traces are digits only)");
  R1F_CHECK_CONFIG(mixed_trace_share == 0.0 || has_language(*this, "zh"), where,
                   ": mixed_trace_share (", mixed_trace_share,
                   ") needs zh among the languages (only zh rows are mixed)");
}

ArithmeticProblem sample_arithmetic_problem(const ArithmeticConfig& config, TaskRng& rng) {
  const int64_t terms = rng.uniform(config.min_terms, config.max_terms);
  const int64_t low = lowest_operand(config.digits), high = highest_operand(config.digits);
  ArithmeticProblem problem;
  int64_t running = rng.uniform(low, high);
  problem.operands.push_back(running);
  for (int64_t i = 1; i < terms; ++i) {
    const int64_t operand = rng.uniform(low, high);
    char op = config.operators == "+-" && rng.chance(0.5) ? '-' : '+';
    if (op == '-' && config.nonnegative && running - operand < 0) op = '+';
    running += op == '+' ? operand : -operand;
    problem.operands.push_back(operand);
    problem.operators.push_back(op);
  }
  return problem;
}

bool arithmetic_in_space(const ArithmeticProblem& problem, const ArithmeticConfig& config) {
  const auto terms = static_cast<int64_t>(problem.operands.size());
  if (terms < config.min_terms || terms > config.max_terms) return false;
  if (problem.operators.size() + 1 != problem.operands.size()) return false;
  const int64_t low = lowest_operand(config.digits), high = highest_operand(config.digits);
  int64_t running = 0;
  for (size_t i = 0; i < problem.operands.size(); ++i) {
    const int64_t operand = problem.operands[i];
    if (operand < low || operand > high) return false;
    const char op = i == 0 ? '+' : problem.operators[i - 1];
    if (op == '-' && config.operators != "+-") return false;
    running += op == '+' ? operand : -operand;
    if (config.nonnegative && running < 0) return false;
  }
  return true;
}

std::string arithmetic_expression(const ArithmeticProblem& problem) {
  std::string text = std::to_string(problem.operands.at(0));
  for (size_t i = 1; i < problem.operands.size(); ++i) {
    text += problem.operators.at(i - 1);
    text += std::to_string(problem.operands[i]);
  }
  return text;
}

int64_t arithmetic_value(const ArithmeticProblem& problem) {
  int64_t value = problem.operands.at(0);
  for (size_t i = 1; i < problem.operands.size(); ++i)
    value += problem.operators.at(i - 1) == '+' ? problem.operands[i] : -problem.operands[i];
  return value;
}

std::vector<std::string> arithmetic_steps(const ArithmeticProblem& problem) {
  std::vector<std::string> steps;
  int64_t running = problem.operands.at(0);
  for (size_t i = 1; i < problem.operands.size(); ++i) {
    const char op = problem.operators.at(i - 1);
    const int64_t next = op == '+' ? running + problem.operands[i] : running - problem.operands[i];
    steps.push_back(std::to_string(running) + op + std::to_string(problem.operands[i]) + "=" +
                    std::to_string(next));
    running = next;
  }
  return steps;
}

std::string arithmetic_word_trace(const ArithmeticProblem& problem, const std::string& language) {
  // Short, frequent words, so the tiny demo's 96-piece SentencePiece model keeps every character
  // (docs/tasks.md gives the measured <unk> rate); the running value opens the trace once and
  // each step continues from it, so a step costs about as many tokens as "12+8=20 ".
  const bool zh = language == "zh";
  R1F_CHECK(zh || language == "en", "unknown arithmetic trace language ", language);
  const char* plus = zh ? " 加 " : " plus ";
  const char* minus = zh ? " 减 " : " minus ";
  const char* gives = zh ? " 得 " : " is ";
  int64_t running = problem.operands.at(0);
  std::string text = std::to_string(running);
  for (size_t i = 1; i < problem.operands.size(); ++i) {
    const char op = problem.operators.at(i - 1);
    running += op == '+' ? problem.operands[i] : -problem.operands[i];
    text += (op == '+' ? plus : minus) + std::to_string(problem.operands[i]) + gives +
            std::to_string(running);
  }
  return text + " ";
}

std::string arithmetic_completion(const ArithmeticProblem& problem,
                                  std::optional<int64_t> answer,
                                  const std::string& trace_language) {
  std::string text = "<think>";
  if (trace_language.empty()) {
    for (const std::string& step : arithmetic_steps(problem)) text += step + " ";
  } else {
    text += arithmetic_word_trace(problem, trace_language);
  }
  return text + "</think><answer>" + std::to_string(answer.value_or(arithmetic_value(problem))) +
         "</answer>";
}

std::string arithmetic_prompt(const ArithmeticProblem& problem,
                              const std::string& style,
                              const std::string& language) {
  const std::string expression = arithmetic_expression(problem);
  if (style == "compact") return expression;
  R1F_CHECK(style == "words", "unknown arithmetic style ", style);
  if (language == "zh") {
    const bool sum = problem.operators.find('-') == std::string::npos;
    return "计算 " + expression + (sum ? " 的和。" : " 的值。");
  }
  R1F_CHECK(language == "en", "unknown arithmetic language ", language);
  return "What is " + expression + "?";
}

TaskSplits generate_arithmetic(const ArithmeticConfig& config,
                               int64_t train,
                               int64_t test,
                               uint64_t seed) {
  TaskRng rng(derive_seed(seed, "tasks/arithmetic/sample"));
  // Its own stream, drawn from only when answer_noise > 0: noise never moves the problems.
  TaskRng noise_rng(derive_seed(seed, "tasks/arithmetic/answer_noise"));
  // Likewise for mixing, drawn once per zh train row when mixed_trace_share > 0: the problems,
  // languages and noise drawn stay put whatever the share.
  TaskRng mixing_rng(derive_seed(seed, "tasks/arithmetic/mixed_trace"));
  const bool word_traces = config.trace_words == "language";
  SplitCollector collector(kArithmeticTask, seed, config.test_fraction, train, test);
  const bool en = has_language(config, "en"), zh = has_language(config, "zh");
  const std::string space = space_description(config);
  TaskSplits splits;
  while (!collector.full()) {
    const ArithmeticProblem problem = sample_arithmetic_problem(config, rng);
    const std::optional<Split> split = collector.offer(arithmetic_expression(problem), space);
    if (!split) continue;
    const char* language = en && zh ? (rng.chance(config.zh_share) ? "zh" : "en")
                           : zh     ? "zh"
                                    : "en";
    auto& rows = *split == Split::TRAIN ? splits.train : splits.test;
    const int64_t value = arithmetic_value(problem);
    const bool noisy = *split == Split::TRAIN && config.answer_noise > 0.0 &&
                       noise_rng.chance(config.answer_noise);
    const bool mixed = *split == Split::TRAIN && config.mixed_trace_share > 0.0 &&
                       std::string(language) == "zh" && mixing_rng.chance(config.mixed_trace_share);
    const std::string trace_language = !word_traces ? "" : mixed ? "en" : language;
    nlohmann::json row = {
        {"id", row_id(kArithmeticTask, *split, static_cast<int64_t>(rows.size()))},
        {"task", kArithmeticTask},
        {"language", language},
        {"prompt", arithmetic_prompt(problem, config.style, language)},
        {"answer", std::to_string(value)},
        {"completion",
         arithmetic_completion(problem, noisy ? std::optional(value + 1) : std::nullopt,
                               trace_language)},
        {"num_terms", static_cast<int64_t>(problem.operands.size())}};
    // Only with word traces, so the default rows keep their bytes.
    if (word_traces) row["mixed_trace"] = mixed;
    rows.push_back(std::move(row));
  }
  return splits;
}

}  // namespace r1forge::tasks
