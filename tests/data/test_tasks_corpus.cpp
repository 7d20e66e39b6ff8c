// The pretraining corpus (data/tasks/corpus.h): line formats by hand, the exact share of each
// line kind, the small character set, every line true, and no test problem of the arithmetic
// task (same seed) anywhere in it, not even as a single-step fact.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "data/arithmetic_oracle.h"
#include "r1forge/core/check.h"
#include "r1forge/data/tasks/corpus.h"
#include "r1forge/data/tasks/task_registry.h"

namespace r1forge::tasks {
namespace {

using testing::evaluate_arithmetic;

int64_t count_terms(const std::string& expression) {
  return 1 + static_cast<int64_t>(std::count_if(expression.begin(), expression.end(),
                                                [](char c) { return c == '+' || c == '-'; }));
}

TEST(CorpusTask, LineFormats) {
  const ArithmeticProblem problem{{7, 5, 8}, "++"};
  EXPECT_EQ(corpus_worked_line(problem), "7+5+8: 7+5=12 12+8=20 = 20");
  EXPECT_EQ(corpus_bare_line(problem), "7+5+8=20");
}

TEST(CorpusTask, SharesCharactersTruthAndNoTestProblem) {
  CorpusConfig config;
  config.arithmetic.operators = "+-";
  const uint64_t seed = 13;
  const std::vector<nlohmann::json> rows = generate_corpus(config, 2000, seed);
  ASSERT_EQ(rows.size(), 2000u);
  // The arithmetic data made with the same seed and options: its test problems must not appear.
  std::set<std::string> test_problems;
  for (const auto& row : generate_arithmetic(config.arithmetic, 0, 300, seed).test)
    test_problems.insert(row["prompt"]);
  const std::string allowed = "0123456789+-=: ";
  int64_t worked = 0, facts = 0, bare = 0;
  for (const nlohmann::json& row : rows) {
    ASSERT_EQ(row.size(), 1u);
    const std::string text = row["text"];
    for (char c : text) ASSERT_NE(allowed.find(c), std::string::npos) << text;
    const size_t colon = text.find(':');
    if (colon != std::string::npos) {
      ++worked;
      const std::string expression = text.substr(0, colon);
      EXPECT_FALSE(in_test_split(seed, kArithmeticTask, expression, 0.2)) << text;
      EXPECT_EQ(test_problems.count(expression), 0u) << text;
      // "e: s1 s2 ... = v": each step true, chained, and v the value of e.
      const size_t last = text.rfind(" = ");
      EXPECT_EQ(std::stoll(text.substr(last + 3)), evaluate_arithmetic(expression)) << text;
      std::string steps = text.substr(colon + 2, last - colon - 2);
      int64_t running = 0, step_count = 0;
      for (size_t at = 0; at <= steps.size();) {
        size_t end = steps.find(' ', at);
        if (end == std::string::npos) end = steps.size();
        const std::string step = steps.substr(at, end - at);
        const size_t equals = step.find('=');
        const std::string lhs = step.substr(0, equals);
        EXPECT_EQ(evaluate_arithmetic(lhs), std::stoll(step.substr(equals + 1))) << step;
        if (step_count > 0) {
          EXPECT_EQ(std::stoll(lhs), running) << text;  // each step starts from the last
        }
        running = std::stoll(step.substr(equals + 1));
        ++step_count;
        at = end + 1;
      }
      EXPECT_EQ(step_count, count_terms(expression) - 1) << text;
      continue;
    }
    const size_t equals = text.find('=');
    ASSERT_NE(equals, std::string::npos) << text;
    const std::string expression = text.substr(0, equals);
    EXPECT_EQ(evaluate_arithmetic(expression), std::stoll(text.substr(equals + 1))) << text;
    if (count_terms(expression) == 2) {
      ++facts;  // min_terms is 3, so a two-term line is a fact
    } else {
      ++bare;
      EXPECT_FALSE(in_test_split(seed, kArithmeticTask, expression, 0.2)) << text;
      EXPECT_EQ(test_problems.count(expression), 0u) << text;
    }
  }
  // round(2000 * 0.5) worked, round(2000 * 0.25) facts, the rest bare.
  EXPECT_EQ(worked, 1000);
  EXPECT_EQ(facts, 500);
  EXPECT_EQ(bare, 500);
}

TEST(CorpusTask, FactsNeverLeakTwoTermTestProblems) {
  CorpusConfig config;
  config.arithmetic.min_terms = 2;  // now "7+5" is a problem of its own, possibly a test one
  config.arithmetic.max_terms = 3;
  config.worked_share = 0.0;
  config.fact_share = 1.0;
  const uint64_t seed = 4;
  int64_t in_space = 0;
  for (const auto& row : generate_corpus(config, 3000, seed)) {
    const std::string text = row["text"];
    const std::string expression = text.substr(0, text.find('='));
    ArithmeticProblem pair;
    const size_t op = expression.find_first_of("+-");
    pair.operands = {std::stoll(expression.substr(0, op)), std::stoll(expression.substr(op + 1))};
    pair.operators = std::string(1, expression[op]);
    if (arithmetic_in_space(pair, config.arithmetic)) {
      ++in_space;
      EXPECT_FALSE(in_test_split(seed, kArithmeticTask, expression, 0.2)) << text;
    }
  }
  EXPECT_GT(in_space, 500);  // first steps of 1-digit problems are in the space
}

TEST(CorpusTask, RegistryDeterminismAndErrors) {
  const TaskInfo& corpus = find_task("corpus");
  TaskRequest request{300, 0, 8, {"worked_share=0.6", "arithmetic.digits=2"}};
  const std::vector<TaskFile> files = corpus.generate(request);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "corpus.jsonl");
  int64_t worked = 0;
  for (const auto& row : files[0].rows)
    worked += row["text"].get<std::string>().find(':') != std::string::npos;
  EXPECT_EQ(worked, 180);  // 0.6 * 300
  EXPECT_EQ(corpus.generate(request)[0].rows, files[0].rows);
  request.seed = 9;
  EXPECT_NE(corpus.generate(request)[0].rows, files[0].rows);
  request.test = 5;
  EXPECT_THROW(corpus.generate(request), UsageError);
  request.test = 0;
  request.settings = {"worked_share=0.8", "fact_share=0.3"};
  EXPECT_THROW(corpus.generate(request), ConfigError);
  request.settings = {"arithmetic.digitz=2"};
  EXPECT_THROW(corpus.generate(request), ConfigError);
}

// The corpus's lines are plain and never noisy, so the arithmetic rows' wording and label
// noise would do nothing there: each is a ConfigError naming it, defaults pass.
TEST(CorpusTask, RejectsArithmeticOptionsThatDoNotApply) {
  EXPECT_NO_THROW(CorpusConfig{}.validate("corpus"));
  for (const auto& [field, set] :
       std::vector<std::pair<std::string, std::function<void(ArithmeticConfig&)>>>{
           {"style", [](ArithmeticConfig& a) { a.style = "words"; }},
           {"languages", [](ArithmeticConfig& a) { a.languages = {"zh"}; }},
           {"zh_share", [](ArithmeticConfig& a) { a.zh_share = 0.1; }},
           {"answer_noise", [](ArithmeticConfig& a) { a.answer_noise = 0.5; }},
           {"trace_words", [](ArithmeticConfig& a) { a.trace_words = "language"; }}}) {
    CorpusConfig config;
    set(config.arithmetic);
    try {
      config.validate("x.yaml: make_data.tasks.1.corpus");
      ADD_FAILURE() << field << " was accepted";
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find("make_data.tasks.1.corpus.arithmetic." + field),
                std::string::npos)
          << error.what();
    }
  }
  const TaskInfo& corpus = find_task("corpus");
  EXPECT_THROW(corpus.generate({10, 0, 1, {"arithmetic.answer_noise=0.5"}}), ConfigError);
  // Mixing needs word traces, which the corpus rejects: an error either way.
  EXPECT_THROW(corpus.generate({10, 0, 1, {"arithmetic.mixed_trace_share=0.5"}}), ConfigError);
}

}  // namespace
}  // namespace r1forge::tasks
