// The pretraining corpus; see include/r1forge/data/tasks/corpus.h.
#include "r1forge/data/tasks/corpus.h"

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

enum class LineKind { WORKED, FACT, BARE };

// Draws before giving up on finding a train problem (only a test_fraction near 1 gets here).
constexpr int64_t kMaxDraws = 200000;

ArithmeticProblem draw_train_problem(const ArithmeticConfig& config, uint64_t seed, TaskRng& rng) {
  for (int64_t draw = 0; draw < kMaxDraws; ++draw) {
    ArithmeticProblem problem = sample_arithmetic_problem(config, rng);
    if (!in_test_split(seed, kArithmeticTask, arithmetic_expression(problem), config.test_fraction))
      return problem;
  }
  R1F_THROW(ConfigError, "make-data --task corpus: ", kMaxDraws,
            " draws found no train problem; lower arithmetic.test_fraction (", config.test_fraction,
            ")");
}

// A step "12+8" seen as a problem of its own: is it a test problem of the arithmetic task?
// Only possible when 2-term problems are in the space (min_terms = 2).
bool step_is_test_problem(const ArithmeticProblem& problem,
                          size_t step,
                          const ArithmeticConfig& config,
                          uint64_t seed) {
  int64_t running = problem.operands[0];
  for (size_t i = 1; i <= step; ++i)
    running += problem.operators[i - 1] == '+' ? problem.operands[i] : -problem.operands[i];
  ArithmeticProblem pair{{running, problem.operands[step + 1]},
                         std::string(1, problem.operators[step])};
  return arithmetic_in_space(pair, config) &&
         in_test_split(seed, kArithmeticTask, arithmetic_expression(pair), config.test_fraction);
}

}  // namespace

const char* const kCorpusTask = "corpus";

void CorpusConfig::validate(const std::string& where) const {
  arithmetic.validate(where + " (arithmetic)");
  // The corpus writes plain lines from the problems alone: the arithmetic rows' wording and
  // label noise have no say in it, so a value there would silently do nothing.
  const ArithmeticConfig plain;
  const std::string ignored = arithmetic.style != plain.style                 ? "style"
                              : arithmetic.languages != plain.languages       ? "languages"
                              : arithmetic.zh_share != plain.zh_share         ? "zh_share"
                              : arithmetic.answer_noise != plain.answer_noise ? "answer_noise"
                              : arithmetic.trace_words != plain.trace_words   ? "trace_words"
                              : arithmetic.mixed_trace_share != plain.mixed_trace_share
                                  ? "mixed_trace_share"
                                  : "";
  R1F_CHECK_CONFIG(ignored.empty(), where, ".arithmetic.", ignored,
                   " does not apply to the corpus (its lines are plain expressions and "
                   "solutions, never noisy); leave it out");
  R1F_CHECK_CONFIG(worked_share + fact_share <= 1.0 + 1e-12, where, ": worked_share (",
                   worked_share, ") + fact_share (", fact_share, ") is above 1");
}

std::string corpus_worked_line(const ArithmeticProblem& problem) {
  std::string text = arithmetic_expression(problem) + ":";
  for (const std::string& step : arithmetic_steps(problem)) text += " " + step;
  return text + " = " + std::to_string(arithmetic_value(problem));
}

std::string corpus_bare_line(const ArithmeticProblem& problem) {
  return arithmetic_expression(problem) + "=" + std::to_string(arithmetic_value(problem));
}

std::vector<nlohmann::json> generate_corpus(const CorpusConfig& config,
                                            int64_t lines,
                                            uint64_t seed) {
  TaskRng rng(derive_seed(seed, "tasks/corpus/sample"));
  const auto worked =
      static_cast<int64_t>(std::llround(static_cast<double>(lines) * config.worked_share));
  const auto facts = std::min<int64_t>(
      lines - worked, std::llround(static_cast<double>(lines) * config.fact_share));
  std::vector<LineKind> kinds(static_cast<size_t>(lines), LineKind::BARE);
  std::fill_n(kinds.begin(), worked, LineKind::WORKED);
  std::fill_n(kinds.begin() + worked, facts, LineKind::FACT);
  rng.shuffle(kinds);

  std::vector<nlohmann::json> rows;
  rows.reserve(kinds.size());
  for (LineKind kind : kinds) {
    ArithmeticProblem problem = draw_train_problem(config.arithmetic, seed, rng);
    std::string text;
    if (kind == LineKind::WORKED) {
      text = corpus_worked_line(problem);
    } else if (kind == LineKind::BARE) {
      text = corpus_bare_line(problem);
    } else {
      std::vector<std::string> steps = arithmetic_steps(problem);
      auto step = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(steps.size()) - 1));
      // Redraw the rare fact that is itself a test problem rather than leak it.
      while (step_is_test_problem(problem, step, config.arithmetic, seed)) {
        problem = draw_train_problem(config.arithmetic, seed, rng);
        steps = arithmetic_steps(problem);
        step = static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(steps.size()) - 1));
      }
      text = steps[step];
    }
    rows.push_back({{"text", std::move(text)}});
  }
  return rows;
}

}  // namespace r1forge::tasks
