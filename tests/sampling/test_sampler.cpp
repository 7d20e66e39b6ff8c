// Tests of sample_tokens (sampler.h) with the processor chain in front: greedy rows, the
// inverse CDF against a replayed uniform, support (draws never leave the fp64 oracle's kept
// set), frequency (chi-square goodness of fit over 20k draws), and generator behaviour (same
// seed, same tokens; a row's tokens do not depend on the other rows or their order).
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/sampling/sampler.h"
#include "sampling_test_util.h"

namespace r1forge {
namespace {

using testing::logits_from;
using testing::oracle_mask;
using testing::OwnedRows;
using testing::row_values;
using testing::softmax_of;

using testing::kLogits;
using testing::seeded;

// Draws `steps` tokens for every row of `logits` (already processed); returns [steps][R].
std::vector<std::vector<int64_t>> draw_many(const at::Tensor& logits,
                                            std::vector<at::Generator>& generators,
                                            const std::vector<bool>& greedy,
                                            int64_t steps) {
  std::vector<std::vector<int64_t>> draws;
  for (int64_t step = 0; step < steps; ++step) {
    at::Tensor tokens = sample_tokens(logits, generators, greedy);
    draws.emplace_back(tokens.data_ptr<int64_t>(), tokens.data_ptr<int64_t>() + tokens.numel());
  }
  return draws;
}

TEST(SamplerTest, GreedyTakesLowestArgmaxAndDrawsNothing) {
  at::Tensor logits = logits_from({{1, 5, 5, 2}, {-INFINITY, 0, -INFINITY, -1}, {0, 0, 0, 0}});
  at::Generator used = seeded(11);
  std::vector<at::Generator> generators = {at::Generator(), used, seeded(12)};
  at::Tensor tokens = sample_tokens(logits, generators, {true, true, true});
  EXPECT_EQ(tokens.scalar_type(), at::kLong);
  EXPECT_EQ(tokens[0].item<int64_t>(), 1);  // ties at the max: lowest id, as torch.argmax
  EXPECT_EQ(tokens[1].item<int64_t>(), 1);
  EXPECT_EQ(tokens[2].item<int64_t>(), 0);
  // Greedy rows leave their generator untouched.
  EXPECT_EQ(at::check_generator<at::CPUGeneratorImpl>(used)->random64(),
            at::check_generator<at::CPUGeneratorImpl>(seeded(11))->random64());
}

TEST(SamplerTest, OneDrawPerSampledRowPerCall) {
  at::Tensor logits = logits_from({kLogits});
  std::vector<at::Generator> generators = {seeded(5)};
  sample_tokens(logits, generators, {false});
  // A fresh generator after one fp64 uniform must be in the same state as the row's.
  at::Generator reference = seeded(5);
  at::empty({1}, at::kDouble).uniform_(0, 1, reference);
  EXPECT_EQ(at::check_generator<at::CPUGeneratorImpl>(generators[0])->random64(),
            at::check_generator<at::CPUGeneratorImpl>(reference)->random64());
}

TEST(SamplerTest, InverseCdfOfTheReplayedUniform) {
  // The row's u is torch.rand(1, dtype=float64, generator=g); replay it on a clone and invert
  // an fp64 CDF of the same logits in id order. The two CDFs differ by ~1e-7 (fp32 softmax),
  // so a draw could only disagree if u fell that close to one of 9 boundaries: with 500 draws,
  // a ~1e-3 chance, and the seed is fixed.
  at::Tensor logits = logits_from({kLogits});
  const std::vector<double> probs = softmax_of(row_values(logits, 0));
  std::vector<at::Generator> generators = {seeded(2024)};
  for (int64_t step = 0; step < 500; ++step) {
    at::Generator replay = generators[0].clone();
    const double u = at::rand({1}, replay, at::TensorOptions().dtype(at::kDouble)).item<double>();
    int64_t expected = 0;
    double cumulative = probs[0];
    while (cumulative <= u) cumulative += probs[++expected];
    EXPECT_EQ(sample_tokens(logits, generators, {false})[0].item<int64_t>(), expected)
        << "step " << step << " u " << u;
  }
}

TEST(SamplerTest, OnlyAllowedTokenIsEverDrawn) {
  at::Tensor logits = logits_from({{-INFINITY, -INFINITY, 3, -INFINITY}});
  std::vector<at::Generator> generators = {seeded(1)};
  for (const auto& step : draw_many(logits, generators, {false}, 200)) EXPECT_EQ(step[0], 2);
}

TEST(SamplerTest, RejectsRowsWithoutProbabilityAndMismatchedInputs) {
  at::Tensor logits = logits_from({{-INFINITY, -INFINITY}});
  std::vector<at::Generator> generators = {seeded(1)};
  EXPECT_THROW(sample_tokens(logits, generators, {false}), DataError);
  std::vector<at::Generator> none;
  EXPECT_THROW(sample_tokens(logits, none, {false}), Error);
  std::vector<at::Generator> undefined = {at::Generator()};
  EXPECT_THROW(sample_tokens(logits_from({kLogits}), undefined, {false}), Error);
}

// Level 2: the chain's kept set equals an fp64 oracle's and 2000 draws never leave it.
TEST(SamplerTest, DrawsStayInsideTheOracleMask) {
  std::vector<SamplingParams> params(4);
  params[0].top_k = 5;
  params[1].top_p = 0.6;
  params[2].temperature = 0.7;
  params[2].min_p = 0.2;
  params[3].temperature = 1.3;
  params[3].top_k = 20;
  params[3].top_p = 0.9;
  params[3].min_p = 0.05;
  OwnedRows rows;
  for (const auto& p : params) rows.add(p);
  at::Tensor logits = at::randn({4, 64}, seeded(99), at::kFloat) * 2.0;
  std::vector<std::vector<bool>> masks;
  for (int64_t row = 0; row < 4; ++row) {
    std::vector<double> tempered = row_values(logits, row);
    for (double& value : tempered) value /= params[row].temperature;
    masks.push_back(oracle_mask(tempered, params[row]));
  }
  LogitsProcessorChain().apply(logits, rows.batch());
  for (int64_t row = 0; row < 4; ++row) {
    const std::vector<double> processed = row_values(logits, row);
    int64_t kept = 0;
    for (size_t id = 0; id < processed.size(); ++id) {
      EXPECT_EQ(std::isfinite(processed[id]), masks[row][id]) << "row " << row << " id " << id;
      kept += masks[row][id];
    }
    EXPECT_GT(kept, 1) << "row " << row << " would not test sampling";
    EXPECT_LT(kept, 64) << "row " << row << " would not test a filter";
  }
  std::vector<at::Generator> generators = {seeded(1), seeded(2), seeded(3), seeded(4)};
  for (const auto& step : draw_many(logits, generators, std::vector<bool>(4, false), 2000)) {
    for (int64_t row = 0; row < 4; ++row) {
      EXPECT_TRUE(masks[row][step[row]]) << "row " << row << " drew removed token " << step[row];
    }
  }
}

// Level 3: 20,000 draws (100 rows with their own seeds x 200 steps) against the oracle's
// renormalised probabilities. Chi-square statistic over the kept tokens, compared with the
// 0.001 upper quantile for df = kept - 1; removed tokens must never appear.
void expect_frequencies_fit(const SamplingParams& params, int64_t expected_kept) {
  constexpr int64_t kRows = 100, kSteps = 200;
  std::vector<double> tempered = kLogits;
  for (double& value : tempered) value /= params.temperature;
  const std::vector<bool> mask = oracle_mask(tempered, params);
  for (size_t id = 0; id < mask.size(); ++id)
    if (!mask[id]) tempered[id] = -INFINITY;
  const std::vector<double> expected = softmax_of(tempered);

  OwnedRows rows;
  std::vector<std::vector<double>> logit_rows;
  std::vector<at::Generator> generators;
  for (int64_t row = 0; row < kRows; ++row) {
    rows.add(params);
    logit_rows.push_back(kLogits);
    generators.push_back(seeded(1000 + row));
  }
  at::Tensor logits = logits_from(logit_rows);
  LogitsProcessorChain().apply(logits, rows.batch());
  std::vector<int64_t> counts(kLogits.size(), 0);
  for (const auto& step : draw_many(logits, generators, std::vector<bool>(kRows, false), kSteps))
    for (int64_t token : step) counts[token] += 1;

  const double draws = kRows * kSteps;
  double statistic = 0;
  int64_t kept = 0;
  for (size_t id = 0; id < counts.size(); ++id) {
    if (!mask[id]) {
      EXPECT_EQ(counts[id], 0) << "removed token " << id << " was drawn";
      continue;
    }
    const double expected_count = draws * expected[id];
    ASSERT_GE(expected_count, 5) << "chi-square needs >= 5 expected per cell";
    statistic += (counts[id] - expected_count) * (counts[id] - expected_count) / expected_count;
    kept += 1;
  }
  ASSERT_EQ(kept, expected_kept);
  EXPECT_LT(statistic, testing::chi_square_critical_0001(kept - 1)) << "df " << kept - 1;
}

TEST(SamplerTest, FrequenciesFitTemperedDistribution) {
  // T = 0.8 alone: all 10 tokens kept (smallest prob 0.0008 -> 16 expected), df = 9, critical
  // value 27.877.
  SamplingParams params;
  params.temperature = 0.8;
  expect_frequencies_fit(params, 10);
}

TEST(SamplerTest, FrequenciesFitFilteredDistribution) {
  // top-k 7 keeps ids 0-6: probs {.368, .223, .135, .111, .082, .050, .030}; top-p 0.9: masses
  // ranked before each are {0, .368, .592, .727, .838, .920, ...} so ids 0-4 stay; min-p 0.25
  // of the renormalised max .440 is .110: id 4 (.098) goes. 4 kept, df = 3, critical 16.266.
  SamplingParams params;
  params.top_k = 7;
  params.top_p = 0.9;
  params.min_p = 0.25;
  expect_frequencies_fit(params, 4);
}

// Level 4: generator behaviour.
TEST(SamplerTest, SameSeedSameTokensOtherSeedOtherTokens) {
  at::Tensor logits = logits_from({kLogits});
  std::vector<at::Generator> first = {seeded(77)}, second = {seeded(77)}, other = {seeded(78)};
  const auto a = draw_many(logits, first, {false}, 300);
  EXPECT_EQ(a, draw_many(logits, second, {false}, 300));
  EXPECT_NE(a, draw_many(logits, other, {false}, 300));
}

TEST(SamplerTest, RowTokensIndependentOfBatchCompositionAndOrder) {
  // Row "target" runs the chain and the sampler for 300 steps alone, then in a batch with three
  // other rows (one greedy, with no generator), then in that batch reversed: same tokens.
  SamplingParams target_params, other_params, greedy_params;
  target_params.temperature = 0.9;
  target_params.top_k = 8;
  target_params.top_p = 0.95;
  other_params.min_p = 0.1;
  greedy_params.temperature = 0;
  const std::vector<double> target_logits = kLogits;
  std::vector<double> other_logits = kLogits;
  std::reverse(other_logits.begin(), other_logits.end());

  struct Member {
    const SamplingParams* params;
    const std::vector<double>* logits;
    uint64_t seed;  // 0: greedy, no generator
  };
  auto run = [&](const std::vector<Member>& members) {
    OwnedRows rows;
    std::vector<std::vector<double>> logit_rows;
    std::vector<at::Generator> generators;
    std::vector<bool> greedy;
    for (const Member& member : members) {
      rows.add(*member.params);
      logit_rows.push_back(*member.logits);
      generators.push_back(member.seed == 0 ? at::Generator() : seeded(member.seed));
      greedy.push_back(member.seed == 0);
    }
    at::Tensor logits = logits_from(logit_rows);
    LogitsProcessorChain().apply(logits, rows.batch());
    return draw_many(logits, generators, greedy, 300);  // [300][members]
  };
  auto column = [](const std::vector<std::vector<int64_t>>& draws, size_t index) {
    std::vector<int64_t> tokens;
    for (const auto& step : draws) tokens.push_back(step[index]);
    return tokens;
  };
  const Member target{&target_params, &target_logits, 42};
  const Member other{&other_params, &other_logits, 43};
  const Member greedy{&greedy_params, &other_logits, 0};
  const Member twin{&target_params, &target_logits, 44};
  const auto alone = column(run({target}), 0);
  const auto batch = run({other, target, greedy, twin});
  const auto reversed = run({twin, greedy, target, other});
  EXPECT_EQ(column(batch, 1), alone);
  EXPECT_EQ(column(reversed, 2), alone);
  EXPECT_EQ(column(batch, 0), column(reversed, 3));  // the other rows are order-free too
  EXPECT_EQ(column(batch, 3), column(reversed, 0));
  EXPECT_EQ(column(batch, 2), std::vector<int64_t>(300, 9));  // argmax of reversed kLogits
  EXPECT_NE(column(batch, 3), alone);  // same params, other seed: a different stream
}

}  // namespace
}  // namespace r1forge
