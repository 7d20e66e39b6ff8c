// Evaluation figures; see pipeline/eval_metrics.h.
#include "r1forge/pipeline/eval_metrics.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/rl/rewards/math_answer.h"

namespace r1forge {
namespace {

std::string_view trim(std::string_view text) {
  const char* blank = " \t\r\n\f\v";
  const size_t begin = text.find_first_not_of(blank);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(blank) - begin + 1);
}

// Per-problem tallies, in order of the problem's first sample.
struct ProblemTally {
  int64_t n = 0;
  int64_t c = 0;
  std::vector<std::optional<std::string>> answers;
  std::vector<bool> correct;
};

}  // namespace

std::optional<AnswerMatch> parse_answer_match(std::string_view name) {
  if (name == "math") return AnswerMatch::MATH;
  if (name == "exact") return AnswerMatch::EXACT;
  return std::nullopt;
}

double pass_at_k_estimate(int64_t n, int64_t c, int64_t k) {
  R1F_CHECK(n >= 1 && k >= 1 && k <= n && c >= 0 && c <= n, "pass@k needs 0 <= c <= n and ",
            "1 <= k <= n; got n = ", n, ", c = ", c, ", k = ", k);
  if (n - c < k) return 1.0;  // every draw of k samples contains a correct one
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1..n} (1 - k/i): the chance that k draws without
  // replacement all miss the c correct samples, as a product of ratios near 1.
  double all_wrong = 1.0;
  for (int64_t i = n - c + 1; i <= n; ++i) {
    all_wrong *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  }
  return 1.0 - all_wrong;
}

bool same_answer(std::string_view a, std::string_view b, AnswerMatch match) {
  if (match == AnswerMatch::EXACT) {
    const std::string_view x = trim(a), y = trim(b);
    return !x.empty() && x == y;
  }
  return math::answers_equivalent(a, b);
}

std::optional<size_t> majority_vote(const std::vector<std::optional<std::string>>& answers,
                                    AnswerMatch match) {
  std::vector<size_t> first;   // per class: index of its first vote (classes in creation order)
  std::vector<int64_t> votes;  // per class
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i] || trim(*answers[i]).empty()) continue;
    // An answer equal to nothing (math: empty after normalization) would form a class of one
    // that can never grow; it abstains instead.
    if (!same_answer(*answers[i], *answers[i], match)) continue;
    size_t cls = 0;
    while (cls < first.size() && !same_answer(*answers[first[cls]], *answers[i], match)) ++cls;
    if (cls == first.size()) {
      first.push_back(i);
      votes.push_back(0);
    }
    ++votes[cls];
  }
  if (first.empty()) return std::nullopt;
  size_t best = 0;
  // Strictly more votes to win: on a tie the class created first (earliest first vote) stays.
  for (size_t cls = 1; cls < first.size(); ++cls) {
    if (votes[cls] > votes[best]) best = cls;
  }
  return first[best];
}

EvalMetrics compute_eval_metrics(const std::vector<EvalSample>& samples, AnswerMatch match) {
  EvalMetrics metrics;
  if (samples.empty()) return metrics;
  std::map<int64_t, size_t> index;  // problem id -> position in `tallies`
  std::vector<ProblemTally> tallies;
  int64_t formatted = 0, format_measured = 0, truncated = 0, no_answer = 0;
  double length = 0.0;
  for (const EvalSample& sample : samples) {
    auto [it, inserted] = index.emplace(sample.problem, tallies.size());
    if (inserted) tallies.emplace_back();
    ProblemTally& tally = tallies[it->second];
    ++tally.n;
    tally.c += sample.correct ? 1 : 0;
    tally.answers.push_back(sample.answer);
    tally.correct.push_back(sample.correct);
    if (sample.formatted) {
      ++format_measured;
      formatted += *sample.formatted ? 1 : 0;
    }
    truncated += sample.truncated ? 1 : 0;
    no_answer += sample.answer ? 0 : 1;
    length += static_cast<double>(sample.length);
  }
  const double n_samples = static_cast<double>(samples.size());
  const double n_problems = static_cast<double>(tallies.size());
  metrics.problems = static_cast<int64_t>(tallies.size());
  metrics.samples = static_cast<int64_t>(samples.size());
  metrics.k = tallies.front().n;
  for (const ProblemTally& tally : tallies) metrics.k = std::min(metrics.k, tally.n);
  if (format_measured > 0) metrics.format_rate = static_cast<double>(formatted) / n_samples;
  metrics.truncated_rate = static_cast<double>(truncated) / n_samples;
  metrics.no_answer_rate = static_cast<double>(no_answer) / n_samples;
  metrics.mean_length = length / n_samples;

  std::vector<int64_t> ks;
  for (int64_t j = 1; j < metrics.k; j *= 2) ks.push_back(j);
  ks.push_back(metrics.k);
  for (int64_t j : ks) {
    double sum = 0.0;
    for (const ProblemTally& tally : tallies) sum += pass_at_k_estimate(tally.n, tally.c, j);
    metrics.pass_at[j] = sum / n_problems;
  }
  metrics.pass_at_k = metrics.pass_at.at(metrics.k);
  double pass1 = 0.0, solved = 0.0;
  for (const ProblemTally& tally : tallies) {
    pass1 += static_cast<double>(tally.c) / static_cast<double>(tally.n);
    std::optional<size_t> winner = majority_vote(tally.answers, match);
    if (winner && tally.correct[*winner]) solved += 1.0;
  }
  metrics.pass_at_1 = pass1 / n_problems;
  metrics.cons_at_k = solved / n_problems;
  return metrics;
}

}  // namespace r1forge
