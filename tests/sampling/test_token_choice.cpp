// The engine's per-step token choice (sampling/token_choice.h) on each device: on the CPU the
// ATen twin (processor chain + inverse CDF), on CUDA the fused kernel (kernels.sampling auto)
// and, switched by kernels.sampling: aten, the twin on the GPU. Support: draws never leave the
// fp64 oracle's kept set (sampling_test_util.h); frequency: chi-square fit over 20,000 draws;
// log-probs: log softmax(logits / T)[token] of the unpenalised logits, against an fp64
// recomputation; and on CUDA, kernel and twin draw the same tokens from the same uniforms.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>

#include "device_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/kernels/kernel_config.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/sampling/token_choice.h"
#include "sampling_test_util.h"
#include "test_util.h"

namespace r1forge {
namespace {

using testing::logits_from;
using testing::oracle_mask;
using testing::OwnedRows;
using testing::row_values;
using testing::softmax_of;

using testing::kLogits;
using testing::seeded;

// log softmax(values / T)[token] in fp64 (T = 1 for greedy rows).
double reference_logprob(std::vector<double> values, double temperature, int64_t token) {
  const double divisor = temperature > 0 ? temperature : 1.0;
  for (double& value : values) value /= divisor;
  return std::log(softmax_of(values)[static_cast<size_t>(token)]);
}

class TokenChoiceOn : public ::testing::TestWithParam<at::Device> {
 protected:
  void SetUp() override { R1F_SKIP_UNLESS_AVAILABLE(device()); }
  at::Device device() const { return GetParam(); }

  // `steps` choices for every row of `logits` (unprocessed; each call gets a fresh copy, as
  // the engine's decode does); returns the tokens [steps][R] and checks each log-prob.
  std::vector<std::vector<int64_t>> choose_many(const at::Tensor& logits,
                                                const OwnedRows& rows,
                                                std::vector<at::Generator>& generators,
                                                int64_t steps) const {
    const LogitsProcessorChain chain;
    std::vector<std::vector<int64_t>> draws;
    for (int64_t step = 0; step < steps; ++step) {
      TokenChoice choice =
          choose_tokens(logits.to(device()).clone(), rows.batch(), generators, chain, true);
      EXPECT_TRUE(choice.tokens.device().is_cpu());
      std::vector<int64_t> tokens(choice.tokens.data_ptr<int64_t>(),
                                  choice.tokens.data_ptr<int64_t>() + choice.tokens.numel());
      if (step < 3) {
        for (int64_t row = 0; row < logits.size(0); ++row) {
          const std::vector<double> values = row_values(logits, row);
          const double temperature = rows.params[static_cast<size_t>(row)].temperature;
          EXPECT_NEAR(choice.logprobs[row].item<double>(),
                      reference_logprob(values, temperature, tokens[row]), 2e-6)
              << "row " << row;
          EXPECT_NEAR(choice.raw_logprobs[row].item<double>(),
                      reference_logprob(values, 1.0, tokens[row]), 2e-6)
              << "row " << row;
        }
      }
      draws.push_back(std::move(tokens));
    }
    return draws;
  }
};

TEST_P(TokenChoiceOn, DrawsStayInsideTheOracleMask) {
  std::vector<SamplingParams> params(5);
  params[0].top_k = 5;
  params[1].top_p = 0.6;
  params[2].temperature = 0.7;
  params[2].min_p = 0.2;
  params[3].temperature = 1.3;
  params[3].top_k = 20;
  params[3].top_p = 0.9;
  params[3].min_p = 0.05;
  params[4].temperature = 0;  // greedy
  OwnedRows rows;
  for (const auto& p : params) rows.add(p);
  const at::Tensor logits = at::randn({5, 64}, seeded(99), at::kFloat) * 2.0;
  std::vector<std::vector<bool>> masks;
  for (int64_t row = 0; row < 4; ++row) {
    std::vector<double> tempered = row_values(logits, row);
    for (double& value : tempered) value /= params[row].temperature;
    masks.push_back(oracle_mask(tempered, params[row]));
  }
  std::vector<at::Generator> generators = {seeded(1), seeded(2), seeded(3), seeded(4),
                                           at::Generator()};
  const int64_t greedy_token = logits[4].argmax().item<int64_t>();
  for (const auto& step : choose_many(logits, rows, generators, 2000)) {
    for (int64_t row = 0; row < 4; ++row) {
      EXPECT_TRUE(masks[row][step[row]]) << "row " << row << " drew removed token " << step[row];
    }
    EXPECT_EQ(step[4], greedy_token);
  }
}

// 20,000 draws of top-k 7, top-p 0.9, min-p 0.25 (4 tokens kept; the derivation is in
// test_sampler.cpp's FrequenciesFitFilteredDistribution): chi-square against the oracle's
// renormalised probabilities at the 0.001 level, df = 3.
TEST_P(TokenChoiceOn, FrequenciesFitFilteredDistribution) {
  constexpr int64_t kRows = 100, kSteps = 200;
  SamplingParams params;
  params.top_k = 7;
  params.top_p = 0.9;
  params.min_p = 0.25;
  std::vector<double> kept_logits = kLogits;
  const std::vector<bool> mask = oracle_mask(kept_logits, params);
  for (size_t id = 0; id < mask.size(); ++id)
    if (!mask[id]) kept_logits[id] = -INFINITY;
  const std::vector<double> expected = softmax_of(kept_logits);
  OwnedRows rows;
  std::vector<at::Generator> generators;
  for (int64_t row = 0; row < kRows; ++row) {
    rows.add(params);
    generators.push_back(seeded(1000 + row));
  }
  const at::Tensor logits = logits_from(std::vector<std::vector<double>>(kRows, kLogits));
  std::vector<int64_t> counts(kLogits.size(), 0);
  for (const auto& step : choose_many(logits, rows, generators, kSteps))
    for (int64_t token : step) counts[token] += 1;
  double statistic = 0;
  int64_t kept = 0;
  for (size_t id = 0; id < counts.size(); ++id) {
    if (!mask[id]) {
      EXPECT_EQ(counts[id], 0) << "removed token " << id << " was drawn";
      continue;
    }
    const double expected_count = kRows * kSteps * expected[id];
    statistic += (counts[id] - expected_count) * (counts[id] - expected_count) / expected_count;
    kept += 1;
  }
  ASSERT_EQ(kept, 4);
  EXPECT_LT(statistic, testing::chi_square_critical_0001(kept - 1));
}

// Penalties change what is drawn, not what is reported: the log-prob is the unpenalised
// logits' (engine.h). A repetition penalty of 100 on the top token moves the greedy choice.
TEST_P(TokenChoiceOn, PenaltiesChangeTheDrawButNotTheReportedDistribution) {
  SamplingParams params;
  params.temperature = 0;
  params.repetition_penalty = 100.0;
  OwnedRows rows;
  rows.add(params, /*prompt=*/{0});
  std::vector<at::Generator> generators = {at::Generator()};
  const at::Tensor logits = logits_from({kLogits});
  const auto draws = choose_many(logits, rows, generators, 1);  // checks the log-prob
  EXPECT_EQ(draws[0][0], 1);                                    // id 0's logit 2.0 became 0.02
}

TEST_P(TokenChoiceOn, ARowWithNothingToDrawIsADataError) {
  SamplingParams params;
  OwnedRows rows;
  rows.add(params);
  std::vector<at::Generator> generators = {seeded(1)};
  const at::Tensor logits = logits_from({{-INFINITY, -INFINITY}}).to(device());
  EXPECT_THROW(choose_tokens(logits, rows.batch(), generators, LogitsProcessorChain(), false),
               DataError);
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         TokenChoiceOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

// Kernel and twin on the GPU over a real vocabulary: the same uniforms give the same tokens
// except where fp32 rounding moves a CDF boundary across u (allowed for at most 1 row in 256),
// and log-probs within 5e-5 (the twin's fp32 log_softmax over 152k entries drifts ~2e-5 from
// fp64 on the CPU; the kernel sums in fp64: test_sampling_row.cpp).
TEST(TokenChoice, FusedKernelMatchesItsTwin_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded());
  constexpr int64_t kRows = 256, kVocab = 151936;
  OwnedRows rows;
  for (int64_t row = 0; row < kRows; ++row) {
    SamplingParams params;
    params.temperature = row % 8 == 0 ? 0.0 : 0.5 + 0.01 * static_cast<double>(row % 50);
    params.top_k = row % 3 == 0 ? 1 + row % 100 : 0;
    params.top_p = row % 5 == 0 ? 0.5 + 0.002 * static_cast<double>(row) : 1.0;
    params.min_p = row % 7 == 0 ? 0.05 : 0.0;
    rows.add(params);
  }
  at::Tensor logits = (at::randn({kRows, kVocab}, seeded(5), at::kFloat) * 3).cuda();
  auto draw = [&](const std::string& selection) {
    KernelConfig config;
    config.sampling = selection;
    kernels::set_kernel_config(config);
    std::vector<at::Generator> generators;
    for (int64_t row = 0; row < kRows; ++row) generators.push_back(seeded(7 + row));
    TokenChoice choice =
        choose_tokens(logits.clone(), rows.batch(), generators, LogitsProcessorChain(), false);
    kernels::set_kernel_config({});
    return choice;
  };
  ASSERT_TRUE(token_choice_uses_kernel(logits));
  const TokenChoice fused = draw("auto");
  const TokenChoice twin = draw("aten");
  const int64_t differing = fused.tokens.ne(twin.tokens).sum().item<int64_t>();
  EXPECT_LE(differing, 1);
  at::Tensor same = fused.tokens.eq(twin.tokens);
  EXPECT_LT(
      testing::max_abs_diff(fused.logprobs.masked_select(same), twin.logprobs.masked_select(same)),
      1e-5);
}

}  // namespace
}  // namespace r1forge
