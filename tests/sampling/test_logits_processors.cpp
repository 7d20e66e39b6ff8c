// Tests of the logits processors (logits_processor.h) on tiny hand-made distributions: exact
// outputs of each step (values derived in the comments and checked against HF transformers'
// warpers when the tests were written), tie and boundary rules, chained steps, rows with
// different parameters in one batch, and parameter validation. Sampling itself: test_sampler.cpp.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "sampling_test_util.h"

namespace r1forge {
namespace {

using testing::log_of;
using testing::logits_from;
using testing::OwnedRows;
using testing::row_values;
using testing::softmax_of;

const std::vector<double> kProbs = {0.1, 0.2, 0.3, 0.4};  // llama.cpp's test distribution
// Probabilities come from fp32 logits through an fp32 softmax: ~1e-7 relative error each, so
// 1e-5 (llama.cpp's tolerance) has two orders of magnitude to spare.
constexpr double kTolerance = 1e-5;

// Runs one processor (or the chain, when `processor` is null) on one row; returns the logits.
std::vector<double> run_row(const LogitsProcessor* processor,
                            const std::vector<double>& logits,
                            const SamplingParams& params,
                            std::vector<int64_t> prompt = {},
                            std::vector<int64_t> output = {}) {
  OwnedRows rows;
  rows.add(params, std::move(prompt), std::move(output));
  at::Tensor tensor = logits_from({logits});
  if (processor != nullptr) {
    processor->apply(tensor, rows.batch());
  } else {
    LogitsProcessorChain().apply(tensor, rows.batch());
  }
  return row_values(tensor, 0);
}

void expect_probs(const std::vector<double>& logits, const std::vector<double>& expected) {
  std::vector<double> probs = softmax_of(logits);
  ASSERT_EQ(probs.size(), expected.size());
  for (size_t i = 0; i < probs.size(); ++i) {
    EXPECT_NEAR(probs[i], expected[i], kTolerance) << "token " << i;
    if (expected[i] == 0) {
      EXPECT_EQ(logits[i], -INFINITY) << "removed token " << i;
    }
  }
}

TEST(LogitsProcessorTest, ChainRunsInHfOrder) {
  EXPECT_EQ(LogitsProcessorChain().names(),
            (std::vector<std::string>{"penalties", "temperature", "top_k", "top_p", "min_p"}));
}

TEST(LogitsProcessorTest, TopKKeepsTheKMostLikelyRenormalised) {
  auto top_k = make_top_k_processor();
  SamplingParams params;
  // k = 3 drops 0.1; the rest renormalise by 0.9: 0.2/0.9, 0.3/0.9, 0.4/0.9 (llama.cpp's test).
  params.top_k = 3;
  expect_probs(run_row(top_k.get(), log_of(kProbs), params), {0, 0.22222, 0.33333, 0.44444});
  params.top_k = 1;
  expect_probs(run_row(top_k.get(), log_of(kProbs), params), {0, 0, 0, 1});
  // k >= V and k = 0 are both off: logits come back bit for bit.
  for (int64_t k : {0, 4, 9}) {
    params.top_k = k;
    std::vector<double> logits = row_values(logits_from({log_of(kProbs)}), 0);
    EXPECT_EQ(run_row(top_k.get(), log_of(kProbs), params), logits) << "k = " << k;
  }
}

TEST(LogitsProcessorTest, TopKKeepsTiesWithTheKthValue) {
  // HF: remove scores < topk(scores, k)[..., -1]. Sorted {3, 3, 2, 1}: k = 1 and k = 2 both have
  // threshold 3, so both 3s stay; k = 3 has threshold 2.
  auto top_k = make_top_k_processor();
  SamplingParams params;
  const std::vector<double> logits = {1, 3, 3, 2};
  params.top_k = 1;
  EXPECT_EQ(run_row(top_k.get(), logits, params),
            (std::vector<double>{-INFINITY, 3, 3, -INFINITY}));
  params.top_k = 2;
  EXPECT_EQ(run_row(top_k.get(), logits, params),
            (std::vector<double>{-INFINITY, 3, 3, -INFINITY}));
  params.top_k = 3;
  EXPECT_EQ(run_row(top_k.get(), logits, params), (std::vector<double>{-INFINITY, 3, 3, 2}));
}

TEST(LogitsProcessorTest, TopPKeepsSmallestSetReachingP) {
  // Descending {0.4, 0.3, 0.2, 0.1}; mass ranked before each: {0, 0.4, 0.7, 0.9}. A token stays
  // iff that mass is < p (HF: ascending cumsum <= 1 - p is removed; same set). No p below is
  // within 0.05 of a boundary, so fp32 rounding cannot decide these.
  auto top_p = make_top_p_processor();
  SamplingParams params;
  params.top_p = 0.35;  // 0.4 alone reaches 0.35
  expect_probs(run_row(top_p.get(), log_of(kProbs), params), {0, 0, 0, 1});
  params.top_p = 0.5;  // 0.4 < 0.5, add 0.3: {0.3, 0.4} / 0.7
  expect_probs(run_row(top_p.get(), log_of(kProbs), params), {0, 0, 3.0 / 7, 4.0 / 7});
  params.top_p = 0.8;  // 0.7 < 0.8, add 0.2: {0.2, 0.3, 0.4} / 0.9
  expect_probs(run_row(top_p.get(), log_of(kProbs), params), {0, 2.0 / 9, 3.0 / 9, 4.0 / 9});
  params.top_p = 0.95;  // 0.9 < 0.95: everything stays
  expect_probs(run_row(top_p.get(), log_of(kProbs), params), kProbs);
}

TEST(LogitsProcessorTest, TopPBoundaryWhereCumulativeEqualsPExactly) {
  // Four equal logits: softmax is exactly 0.25 each (exp(0) = 1, 1/4 exact), so the masses
  // ranked before each token, {0, 0.25, 0.5, 0.75}, are exact, as are HF's 1 - p values.
  // p = 0.5: HF's ascending cumsum {0.25, 0.5, 0.75, 1} <= 0.5 removes two, keeping mass 0.5,
  // which is >= p, so the set that reaches p exactly stops there: 2 tokens (ours: 0.5 >= 0.5).
  // p = 0.75 -> 3 tokens, p = 0.25 -> 1 token; just above 0.5 -> 3, just below -> 2.
  // Ties: equal logits rank by id, lower first, so the kept tokens are the lowest ids (HF on
  // CPU keeps the highest; see logits_processor.cpp for why lower-first).
  auto top_p = make_top_p_processor();
  SamplingParams params;
  const double kOut = -INFINITY;
  const std::vector<std::pair<double, std::vector<double>>> cases = {
      {0.5, {0, 0, kOut, kOut}},    {0.75, {0, 0, 0, kOut}},      {0.25, {0, kOut, kOut, kOut}},
      {0.5000001, {0, 0, 0, kOut}}, {0.4999, {0, 0, kOut, kOut}},
  };
  for (const auto& [p, expected] : cases) {
    params.top_p = p;
    EXPECT_EQ(run_row(top_p.get(), {0, 0, 0, 0}, params), expected) << "p = " << p;
  }
  // Ties never cost the argmax: tiny p on a row whose maximum is tied keeps the lowest max id.
  params.top_p = 0.01;
  EXPECT_EQ(run_row(top_p.get(), {1, 5, 5, 2}, params), (std::vector<double>{kOut, 5, kOut, kOut}));
}

TEST(LogitsProcessorTest, TopPOnLargeVocabularyMatchesOracleOnBothPaths) {
  // V = 5000 > the 1024-candidate probe. Peaked rows (std 4) settle inside the probe; the flat
  // row (std 0.3, p = 0.9 needs ~4000 tokens) falls back to the full sort; the uniform row has
  // all 1024 candidates tied with the smallest candidate value, so it must fall back too.
  // Uniform: every prob is exactly 1/5000 and the mass before id j is j/5000 < 0.3001 for
  // j <= 1500: ids 0..1500 stay (lower ids first among ties).
  constexpr int64_t kVocab = 5000;
  at::Tensor random = at::randn({3, kVocab}, at::make_generator<at::CPUGeneratorImpl>(3));
  at::Tensor logits =
      at::cat({random.narrow(0, 0, 2) * 4.0, random.narrow(0, 2, 1) * 0.3, at::zeros({1, kVocab})});
  OwnedRows rows;
  for (double p : {0.9, 0.5, 0.9, 0.3001}) {
    SamplingParams params;
    params.top_p = p;
    rows.add(params);
  }
  std::vector<std::vector<double>> before;
  for (int64_t row = 0; row < 4; ++row) before.push_back(row_values(logits, row));
  make_top_p_processor()->apply(logits, rows.batch());
  std::vector<int64_t> kept_counts;
  for (int64_t row = 0; row < 4; ++row) {
    const std::vector<bool> mask = testing::oracle_mask(before[row], rows.params[row]);
    const std::vector<double> after = row_values(logits, row);
    int64_t kept = 0;
    for (int64_t id = 0; id < kVocab; ++id) {
      EXPECT_EQ(std::isfinite(after[id]), mask[id]) << "row " << row << " id " << id;
      if (mask[id]) {
        EXPECT_EQ(after[id], before[row][id]);  // kept tokens are untouched
      }
      kept += mask[id];
    }
    kept_counts.push_back(kept);
  }
  EXPECT_LT(kept_counts[0], 1024);  // settled by the probe
  EXPECT_LT(kept_counts[1], 1024);
  EXPECT_GT(kept_counts[2], 1024);  // needed the full sort
  EXPECT_EQ(kept_counts[3], 1501);
  const std::vector<double> uniform_after = row_values(logits, 3);
  EXPECT_TRUE(std::isfinite(uniform_after[1500]));
  EXPECT_FALSE(std::isfinite(uniform_after[1501]));
}

TEST(LogitsProcessorTest, MinPRemovesBelowFractionOfMaxProb) {
  auto min_p = make_min_p_processor();
  SamplingParams params;
  params.min_p = 0.3;  // threshold 0.3 * 0.4 = 0.12: drops 0.1 only
  expect_probs(run_row(min_p.get(), log_of(kProbs), params), {0, 2.0 / 9, 3.0 / 9, 4.0 / 9});
  params.min_p = 0.6;  // threshold 0.24: drops 0.1 and 0.2
  expect_probs(run_row(min_p.get(), log_of(kProbs), params), {0, 0, 3.0 / 7, 4.0 / 7});
  params.min_p = 1.0;  // only the max survives ...
  expect_probs(run_row(min_p.get(), log_of(kProbs), params), {0, 0, 0, 1});
  // ... and every token tied with it (ratio exp(0) = 1 >= 1 exactly): the boundary is kept.
  EXPECT_EQ(run_row(min_p.get(), {2, 7, 7, 7}, params), (std::vector<double>{-INFINITY, 7, 7, 7}));
}

TEST(LogitsProcessorTest, TemperatureDividesAndLeavesGreedyRowsAlone) {
  auto temperature = make_temperature_processor();
  SamplingParams params;
  // T = 2: logits {1, 2, 3} -> {0.5, 1, 1.5}; softmax = e^{0.5, 1, 1.5} / 8.8486922
  // = {0.18632372, 0.30719589, 0.50648039}.
  params.temperature = 2.0;
  std::vector<double> divided = run_row(temperature.get(), {1, 2, 3}, params);
  EXPECT_EQ(divided, (std::vector<double>{0.5, 1, 1.5}));  // halving is exact in fp32
  expect_probs(divided, {0.18632372, 0.30719589, 0.50648039});
  // T = 0 (greedy) and T = 1 leave the row bit for bit.
  for (double t : {0.0, 1.0}) {
    params.temperature = t;
    EXPECT_EQ(run_row(temperature.get(), {1, 2, 3}, params), (std::vector<double>{1, 2, 3}));
  }
}

TEST(LogitsProcessorTest, RepetitionAndPresencePenalties) {
  auto penalties = make_penalty_processor();
  const std::vector<double> logits = {2.0, -1.0, 0.5, 3.0, -2.0};
  SamplingParams params;
  // Repetition 2 over prompt {0, 1} + output {1, 4, 4}: seen {0, 1, 4}, each once:
  // 2 / 2 = 1, -1 * 2 = -2, -2 * 2 = -4; tokens 2 and 3 unseen (HF gives the same).
  params.repetition_penalty = 2.0;
  EXPECT_EQ(run_row(penalties.get(), logits, params, {0, 1}, {1, 4, 4}),
            (std::vector<double>{1, -2, 0.5, 3, -4}));
  // Presence 0.5 reads the output only: {1, 4} each lose 0.5 once (token 4 appears twice).
  params.repetition_penalty = 1.0;
  params.presence_penalty = 0.5;
  EXPECT_EQ(run_row(penalties.get(), logits, params, {0, 1}, {1, 4, 4}),
            (std::vector<double>{2, -1.5, 0.5, 3, -2.5}));
  // Both: repetition first, then presence: -2 - 0.5, -4 - 0.5.
  params.repetition_penalty = 2.0;
  EXPECT_EQ(run_row(penalties.get(), logits, params, {0, 1}, {1, 4, 4}),
            (std::vector<double>{1, -2.5, 0.5, 3, -4.5}));
  // A negative presence penalty rewards: +0.25 on the output tokens.
  params.repetition_penalty = 1.0;
  params.presence_penalty = -0.25;
  EXPECT_EQ(run_row(penalties.get(), logits, params, {}, {3}),
            (std::vector<double>{2, -1, 0.5, 3.25, -2}));
}

TEST(LogitsProcessorTest, ChainOrderMatters) {
  // top-k 3 then top-p 0.75: top-k leaves {0.2, 0.3, 0.4} / 0.9 = {.222, .333, .444}; ranked
  // masses before each are {0, .444, .778}: .778 >= .75 drops .222 -> {0.3, 0.4} / 0.7.
  // (top-p 0.75 alone would keep three: masses {0, 0.4, 0.7} < 0.75.)
  SamplingParams params;
  params.top_k = 3;
  params.top_p = 0.75;
  expect_probs(run_row(nullptr, log_of(kProbs), params), {0, 0, 3.0 / 7, 4.0 / 7});
  // Temperature 0.5 before min-p 0.3: probs become p^2 / 0.30 = {.01, .04, .09, .16} / .30;
  // ratios to the max {0.0625, 0.25, 0.5625, 1}: 0.25 < 0.3 drops token 1 as well ->
  // {0.09, 0.16} / 0.25 = {0.36, 0.64}. (min-p 0.3 at T = 1 keeps token 1: ratio 0.5.)
  params = SamplingParams();
  params.temperature = 0.5;
  params.min_p = 0.3;
  expect_probs(run_row(nullptr, log_of(kProbs), params), {0, 0, 0.36, 0.64});
  // Penalties before temperature: logits {2, 1}, token 0 generated, presence 0.5, T = 0.5:
  // {2 - 0.5, 1} / 0.5 = {3, 2}. (Temperature first would give {4 - 0.5, 2} = {3.5, 2}.)
  params = SamplingParams();
  params.presence_penalty = 0.5;
  params.temperature = 0.5;
  EXPECT_EQ(run_row(nullptr, {2, 1}, params, {}, {0}), (std::vector<double>{3, 2}));
}

TEST(LogitsProcessorTest, RowsWithDifferentParamsInOneBatch) {
  // Each row of a mixed batch must equal the same row processed alone.
  OwnedRows rows;
  SamplingParams greedy_top_k;
  greedy_top_k.temperature = 0;
  greedy_top_k.top_k = 2;
  SamplingParams top_k_top_p;
  top_k_top_p.top_k = 3;
  top_k_top_p.top_p = 0.75;
  SamplingParams hot_min_p;
  hot_min_p.temperature = 0.5;
  hot_min_p.min_p = 0.3;
  SamplingParams penalised;
  penalised.repetition_penalty = 1.5;
  penalised.presence_penalty = 0.25;
  SamplingParams off;
  rows.add(greedy_top_k);
  rows.add(top_k_top_p);
  rows.add(hot_min_p);
  rows.add(penalised, {0}, {3, 3});
  rows.add(off);
  const std::vector<double> row_logits = log_of(kProbs);
  at::Tensor logits = logits_from({row_logits, row_logits, row_logits, row_logits, row_logits});
  LogitsProcessorChain().apply(logits, rows.batch());
  for (size_t row = 0; row < rows.params.size(); ++row) {
    EXPECT_EQ(row_values(logits, row),
              run_row(nullptr, row_logits, rows.params[row], rows.prompts[row], rows.outputs[row]))
        << "row " << row;
  }
  // Spot values: greedy row keeps its logits on the top 2 (no temperature); the off row is
  // untouched; the mixed rows match the hand values of ChainOrderMatters.
  const std::vector<double> original = row_values(logits_from({row_logits}), 0);
  EXPECT_EQ(row_values(logits, 0),
            (std::vector<double>{-INFINITY, -INFINITY, original[2], original[3]}));
  EXPECT_EQ(row_values(logits, 4), original);
  expect_probs(row_values(logits, 1), {0, 0, 3.0 / 7, 4.0 / 7});
  expect_probs(row_values(logits, 2), {0, 0, 0.36, 0.64});
  // Penalised row: ln 0.1 * 1.5 (negative, seen in prompt), ln 0.4 * 1.5 - 0.25 (output).
  const std::vector<double> penalised_row = row_values(logits, 3);
  EXPECT_NEAR(penalised_row[0], std::log(0.1) * 1.5, 1e-6);
  EXPECT_NEAR(penalised_row[3], std::log(0.4) * 1.5 - 0.25, 1e-6);
  EXPECT_EQ(penalised_row[1], original[1]);
}

TEST(LogitsProcessorTest, DefaultParamsLeaveLogitsBitForBit) {
  OwnedRows rows;
  rows.add(SamplingParams(), {1, 2}, {3});
  rows.add(SamplingParams());
  at::Tensor logits = at::randn({2, 33}, at::kFloat);
  at::Tensor before = logits.clone();
  LogitsProcessorChain().apply(logits, rows.batch());
  EXPECT_TRUE(at::equal(logits, before));
}

TEST(LogitsProcessorTest, RejectsBadParamsAndTokens) {
  LogitsProcessorChain chain;
  auto expect_error = [&](SamplingParams params, auto error_type,
                          std::vector<int64_t> output = {}) {
    OwnedRows rows;
    rows.add(params, {}, std::move(output));
    at::Tensor logits = at::zeros({1, 4}, at::kFloat);
    EXPECT_THROW(chain.apply(logits, rows.batch()), decltype(error_type));
  };
  SamplingParams params;
  params.top_p = 0;
  expect_error(params, ConfigError(""));
  params = SamplingParams();
  params.top_k = -1;
  expect_error(params, ConfigError(""));
  params = SamplingParams();
  params.temperature = -0.5;
  expect_error(params, ConfigError(""));
  params = SamplingParams();
  params.min_p = 1.5;
  expect_error(params, ConfigError(""));
  params = SamplingParams();
  params.repetition_penalty = 0;
  expect_error(params, ConfigError(""));
  params = SamplingParams();
  params.presence_penalty = 1;
  expect_error(params, DataError(""), {4});  // vocabulary is [0, 4)
}

}  // namespace
}  // namespace r1forge
