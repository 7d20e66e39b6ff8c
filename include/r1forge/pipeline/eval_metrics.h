// Evaluation figures over per-sample results, as the R1 paper reports them: pass@1 estimated
// from k samples per problem (mean over problems of c/k), the unbiased pass@k estimator of
// Chen et al. 2021, cons@k (majority vote over the samples' final answers), the format rate,
// the mean completion length and the truncation rate. Pure functions: no model, no files.
// Shapes: N samples, each tagged with its problem; n_p samples of problem p, c_p of them correct.
// Not here: generating and scoring the samples (eval_stage.h), answer extraction and
// equivalence (rl/rewards/math_answer.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge {

// How two final answers are compared in the vote.
enum class AnswerMatch {
  MATH,   // math::answers_equivalent (numbers, fractions, LaTeX as math-verify)
  EXACT,  // equal after trimming surrounding whitespace (equations, words)
};
// "math" | "exact"; nullopt for anything else.
std::optional<AnswerMatch> parse_answer_match(std::string_view name);

// One scored sample of one problem.
struct EvalSample {
  int64_t problem = 0;                // the problem it answers (any id; samples need not be sorted)
  bool correct = false;               // the correctness reward scored it >= 1
  std::optional<bool> formatted;      // the format reward scored it 1; nullopt = no format reward
  std::optional<std::string> answer;  // extracted final answer; nullopt = none (does not vote)
  int64_t length = 0;                 // completion tokens
  bool truncated = false;             // generation hit max_new_tokens
};

struct EvalMetrics {
  int64_t problems = 0;
  int64_t samples = 0;
  int64_t k = 0;                      // samples per problem (the fewest, if problems differ)
  double pass_at_1 = 0.0;             // mean over problems of c_p / n_p
  double pass_at_k = 0.0;             // mean over problems of the unbiased pass@k, k as above
  double cons_at_k = 0.0;             // share of problems whose majority answer is correct
  std::optional<double> format_rate;  // share of samples formatted; nullopt = not measured
  double mean_length = 0.0;           // completion tokens per sample
  double truncated_rate = 0.0;        // share of samples cut at max_new_tokens
  double no_answer_rate = 0.0;        // share of samples without an extractable answer
  std::map<int64_t, double> pass_at;  // pass@j for j = 1, 2, 4, ... below k, and k
};

// The unbiased estimate of pass@k for one problem with n samples of which c are correct:
// 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1..n} (1 - k/i) so no binomial
// coefficient (which overflows for n of a few hundred) is ever formed. 1 when n - c < k.
// An internal Error unless 0 <= c <= n and 1 <= k <= n (a caller's bug).
double pass_at_k_estimate(int64_t n, int64_t c, int64_t k);

// Whether two extracted answers fall in the same vote class.
bool same_answer(std::string_view a, std::string_view b, AnswerMatch match);

// The winning answer of a majority vote: the index in `answers` of the first vote of the class
// with the most votes. Classes form greedily in order: an answer joins the first class whose
// first answer is the same (same_answer), else starts a new one. Answers that are nullopt,
// blank, or (math) equivalent to nothing, not even themselves, do not vote. A tie between
// classes goes to the class whose first vote came earliest. nullopt when nobody voted.
std::optional<size_t> majority_vote(const std::vector<std::optional<std::string>>& answers,
                                    AnswerMatch match);

// All figures over `samples`, grouped by EvalSample::problem. cons@k counts a problem as solved
// when the winning class's first vote is correct (equivalent answers share a verdict; the
// first vote decides if the equivalence and the correctness reward ever disagree); a problem
// where no sample gave an answer is unsolved. Zeros for an empty list.
EvalMetrics compute_eval_metrics(const std::vector<EvalSample>& samples, AnswerMatch match);

}  // namespace r1forge
