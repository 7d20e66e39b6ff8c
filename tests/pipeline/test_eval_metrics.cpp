// The evaluation figures on crafted samples, every expected value worked out by hand in the
// comments: the unbiased pass@k (also against a log-gamma form for large n), pass@1 from k
// samples, the majority vote (math equivalence, exact match, ties, abstaining samples), and
// the rates. No model here; eval_stage's tests cover generation.
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/pipeline/eval_metrics.h"

namespace r1forge {
namespace {

using Answers = std::vector<std::optional<std::string>>;

EvalSample make_sample(int64_t problem,
                       bool correct,
                       std::optional<std::string> answer,
                       int64_t length = 10,
                       bool truncated = false,
                       std::optional<bool> formatted = std::nullopt) {
  EvalSample sample;
  sample.problem = problem;
  sample.correct = correct;
  sample.answer = std::move(answer);
  sample.length = length;
  sample.truncated = truncated;
  sample.formatted = formatted;
  return sample;
}

// log C(n, k) through lgamma: an independent route to the same estimator.
double log_choose(int64_t n, int64_t k) {
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

TEST(EvalMetricsTest, PassAtKMatchesTheBinomialFormula) {
  // n = 5, c = 2, k = 1: 1 - C(3,1)/C(5,1) = 1 - 3/5 = 0.4 (= c/n).
  EXPECT_NEAR(pass_at_k_estimate(5, 2, 1), 0.4, 1e-12);
  // k = 2: 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7.
  EXPECT_NEAR(pass_at_k_estimate(5, 2, 2), 0.7, 1e-12);
  // k = 3: 1 - C(3,3)/C(5,3) = 1 - 1/10 = 0.9.
  EXPECT_NEAR(pass_at_k_estimate(5, 2, 3), 0.9, 1e-12);
  // n - c = 3 < k = 4: every 4 draws hold a correct sample.
  EXPECT_EQ(pass_at_k_estimate(5, 2, 4), 1.0);
  EXPECT_EQ(pass_at_k_estimate(4, 0, 2), 0.0);  // nothing correct
  EXPECT_EQ(pass_at_k_estimate(4, 4, 1), 1.0);  // everything correct
  EXPECT_EQ(pass_at_k_estimate(8, 1, 8), 1.0);  // k = n: solved iff any sample is
  EXPECT_EQ(pass_at_k_estimate(8, 0, 8), 0.0);
  // n = 200 overflows C(n, k) in 64 bits; the product form stays accurate. Against lgamma:
  // 1 - exp(log C(190, 100) - log C(200, 100)).
  for (int64_t k : {1, 10, 50, 100, 190}) {
    const double expected = 1.0 - std::exp(log_choose(190, k) - log_choose(200, k));
    EXPECT_NEAR(pass_at_k_estimate(200, 10, k), expected, 1e-9) << "k " << k;
  }
  EXPECT_THROW(pass_at_k_estimate(4, 5, 1), Error);  // c > n
  EXPECT_THROW(pass_at_k_estimate(4, 2, 5), Error);  // k > n
  EXPECT_THROW(pass_at_k_estimate(4, 2, 0), Error);
}

TEST(EvalMetricsTest, VoteGroupsEquivalentMathAnswers) {
  // 0.5, \frac{1}{2} and 1/2 are one answer (3 votes); 0.3 is another (1 vote): the first
  // class wins, and its first vote is index 0.
  EXPECT_EQ(majority_vote(Answers{"0.5", "0.3", "\\frac{1}{2}", "1/2"}, AnswerMatch::MATH), 0u);
  // The bigger class wins even when its first vote comes later: {3, 3.0} beats {2}.
  EXPECT_EQ(majority_vote(Answers{"2", "3", "3.0"}, AnswerMatch::MATH), 1u);
  // Exact matching keeps 0.5 and \frac{1}{2} apart: 1 vote each, then 1/2 alone; a three-way
  // tie goes to the earliest first vote.
  EXPECT_EQ(majority_vote(Answers{"0.5", "\\frac{1}{2}", "1/2"}, AnswerMatch::EXACT), 0u);
  // Surrounding whitespace does not split an exact class: {" 1+2*3", "1+2*3 "} has 2 votes.
  EXPECT_EQ(majority_vote(Answers{"7", " 1+2*3", "1+2*3 "}, AnswerMatch::EXACT), 1u);
}

TEST(EvalMetricsTest, VoteTieGoesToTheEarliestFirstVote) {
  // {2, 2.0} and {3, 3} have 2 votes each; 2's first vote (index 0) is earlier.
  EXPECT_EQ(majority_vote(Answers{"2", "3", "2.0", "3"}, AnswerMatch::MATH), 0u);
  // The same votes in another order: 3 votes first (index 0) and wins the tie.
  EXPECT_EQ(majority_vote(Answers{"3", "2", "2.0", "3"}, AnswerMatch::MATH), 0u);
  // Tie between the classes first voted at 1 and 2 (the sample at 0 abstains): 1 wins.
  EXPECT_EQ(majority_vote(Answers{std::nullopt, "8", "9", "9", "8"}, AnswerMatch::EXACT), 1u);
}

TEST(EvalMetricsTest, SamplesWithoutAnAnswerDoNotVote) {
  // Three abstentions and one answer: the answer wins with a single vote.
  EXPECT_EQ(
      majority_vote(Answers{std::nullopt, std::nullopt, "5", std::nullopt}, AnswerMatch::MATH), 2u);
  // Blank answers abstain in both modes.
  EXPECT_EQ(majority_vote(Answers{"  ", "", "x"}, AnswerMatch::EXACT), 2u);
  EXPECT_EQ(majority_vote(Answers{"  ", "4"}, AnswerMatch::MATH), 1u);
  // Nobody answers: no winner.
  EXPECT_EQ(majority_vote(Answers{std::nullopt, std::nullopt}, AnswerMatch::MATH), std::nullopt);
  EXPECT_EQ(majority_vote(Answers{}, AnswerMatch::EXACT), std::nullopt);
}

// Three problems of four samples each (correct = the reward said so):
//   problem 0: answers 42 41 42 --, correct T F T F -> c = 2; vote {42: 2, 41: 1} -> 42 (T)
//   problem 1: answers 7 8 8 7,     correct F T T F -> c = 2; vote tie 2-2, 7 voted first (F)
//   problem 2: no answers,          correct F F F F -> c = 0; no vote (unsolved)
std::vector<EvalSample> three_problems() {
  return {make_sample(0, true, "42", 10, false, true),
          make_sample(0, false, "41", 20, false, true),
          make_sample(0, true, "42", 30, false, false),
          make_sample(0, false, std::nullopt, 40, true, false),
          make_sample(1, false, "7", 10, false, true),
          make_sample(1, true, "8", 10, false, true),
          make_sample(1, true, "8", 10, false, true),
          make_sample(1, false, "7", 10, false, true),
          make_sample(2, false, std::nullopt, 50, true, false),
          make_sample(2, false, std::nullopt, 50, true, false),
          make_sample(2, false, std::nullopt, 50, true, false),
          make_sample(2, false, std::nullopt, 50, true, false)};
}

TEST(EvalMetricsTest, FiguresOnThreeCraftedProblems) {
  EvalMetrics m = compute_eval_metrics(three_problems(), AnswerMatch::MATH);
  EXPECT_EQ(m.problems, 3);
  EXPECT_EQ(m.samples, 12);
  EXPECT_EQ(m.k, 4);
  // pass@1 = mean of c/k = (2/4 + 2/4 + 0/4) / 3 = 1/3.
  EXPECT_NEAR(m.pass_at_1, 1.0 / 3.0, 1e-12);
  // pass@2 per problem: 1 - C(2,2)/C(4,2) = 5/6 for problems 0 and 1, 0 for problem 2
  // -> (5/6 + 5/6 + 0) / 3 = 5/9.
  ASSERT_EQ(m.pass_at.size(), 3u);  // j = 1, 2, 4
  EXPECT_NEAR(m.pass_at.at(1), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.pass_at.at(2), 5.0 / 9.0, 1e-12);
  // pass@4 with n = 4: solved iff c > 0 -> (1 + 1 + 0) / 3.
  EXPECT_NEAR(m.pass_at.at(4), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.pass_at_k, m.pass_at.at(4));
  // cons@4: problem 0 solved (42 is correct), problem 1 lost on the tie rule, problem 2
  // abstained -> 1/3.
  EXPECT_NEAR(m.cons_at_k, 1.0 / 3.0, 1e-12);
  // Formatted: 2 of problem 0, 4 of problem 1 -> 6/12.
  ASSERT_TRUE(m.format_rate.has_value());
  EXPECT_NEAR(*m.format_rate, 0.5, 1e-12);
  // Lengths: (10+20+30+40) + 4*10 + 4*50 = 340 over 12 samples.
  EXPECT_NEAR(m.mean_length, 340.0 / 12.0, 1e-12);
  // Truncated: 1 in problem 0, 4 in problem 2 -> 5/12; so are the samples without an answer.
  EXPECT_NEAR(m.truncated_rate, 5.0 / 12.0, 1e-12);
  EXPECT_NEAR(m.no_answer_rate, 5.0 / 12.0, 1e-12);
}

TEST(EvalMetricsTest, OrderOfProblemsDoesNotMatterButOrderWithinOneDoes) {
  std::vector<EvalSample> samples = three_problems();
  // Interleave the problems (keeping each problem's own sample order): same figures.
  std::vector<EvalSample> interleaved;
  for (size_t j = 0; j < 4; ++j) {
    for (size_t p : {2u, 0u, 1u}) interleaved.push_back(samples[p * 4 + j]);
  }
  EvalMetrics a = compute_eval_metrics(samples, AnswerMatch::MATH);
  EvalMetrics b = compute_eval_metrics(interleaved, AnswerMatch::MATH);
  EXPECT_EQ(a.pass_at_1, b.pass_at_1);
  EXPECT_EQ(a.cons_at_k, b.cons_at_k);
  EXPECT_EQ(a.pass_at, b.pass_at);
  // Problem 1 with its 8 voted first: 8 wins the tie, it is correct, cons@4 becomes 2/3.
  std::swap(samples[4], samples[5]);
  EXPECT_NEAR(compute_eval_metrics(samples, AnswerMatch::MATH).cons_at_k, 2.0 / 3.0, 1e-12);
}

TEST(EvalMetricsTest, AllWrongAndAllRight) {
  std::vector<EvalSample> wrong, right;
  for (int64_t p = 0; p < 2; ++p) {
    for (int j = 0; j < 3; ++j) {
      wrong.push_back(make_sample(p, false, "1"));
      right.push_back(make_sample(p, true, "2", 5, false, true));
    }
  }
  EvalMetrics w = compute_eval_metrics(wrong, AnswerMatch::MATH);
  EXPECT_EQ(w.pass_at_1, 0.0);
  EXPECT_EQ(w.pass_at_k, 0.0);
  EXPECT_EQ(w.cons_at_k, 0.0);              // the unanimous answer is wrong
  EXPECT_FALSE(w.format_rate.has_value());  // no sample had a format verdict
  // k = 3 is not a power of two: pass@1, pass@2 and pass@3 are reported.
  EXPECT_EQ(w.pass_at.size(), 3u);
  EvalMetrics r = compute_eval_metrics(right, AnswerMatch::MATH);
  EXPECT_EQ(r.pass_at_1, 1.0);
  EXPECT_EQ(r.pass_at.at(2), 1.0);
  EXPECT_EQ(r.pass_at_k, 1.0);
  EXPECT_EQ(r.cons_at_k, 1.0);
  EXPECT_EQ(r.format_rate, 1.0);
  EXPECT_EQ(r.mean_length, 5.0);
  EXPECT_EQ(r.truncated_rate, 0.0);
}

TEST(EvalMetricsTest, UnevenSampleCountsUseTheFewestForK) {
  // Problem 0: 2 samples, 1 correct (pass@1 1/2); problem 1: 4 samples, 1 correct (1/4).
  std::vector<EvalSample> samples = {make_sample(0, true, "1"),  make_sample(0, false, "2"),
                                     make_sample(1, false, "3"), make_sample(1, false, "3"),
                                     make_sample(1, true, "4"),  make_sample(1, false, "5")};
  EvalMetrics m = compute_eval_metrics(samples, AnswerMatch::EXACT);
  EXPECT_EQ(m.k, 2);
  EXPECT_NEAR(m.pass_at_1, (0.5 + 0.25) / 2.0, 1e-12);
  // pass@2: problem 0 (n=2, c=1) -> 1; problem 1 (n=4, c=1) -> 1 - C(3,2)/C(4,2) = 1/2.
  EXPECT_NEAR(m.pass_at_k, 0.75, 1e-12);
  // cons: problem 0 tie -> "1" (correct); problem 1 -> "3" with 2 votes (wrong) -> 1/2.
  EXPECT_NEAR(m.cons_at_k, 0.5, 1e-12);
  EXPECT_EQ(compute_eval_metrics({}, AnswerMatch::EXACT).problems, 0);
}

TEST(EvalMetricsTest, ParsesMatchNames) {
  EXPECT_EQ(parse_answer_match("math"), AnswerMatch::MATH);
  EXPECT_EQ(parse_answer_match("exact"), AnswerMatch::EXACT);
  EXPECT_EQ(parse_answer_match("auto"), std::nullopt);
}

}  // namespace
}  // namespace r1forge
