// The fused sampling kernel's row algorithm (kernels/sampling_row.h) run on the host, one
// thread (HostBlock), against its ATen twin: the processor chain (logits_processor.h) plus the
// inverse CDF (sampler.h), given the same uniform. The same templated code is what the CUDA
// kernel runs with a 1024-thread block policy (FusedKernelMatchesItsTwin_CUDA compares those on
// a GPU). Random rows over vocabularies of 1 to 151,936 with ties and -inf, every knob
// combination; tokens must agree except where u lies within 1e-6 of a CDF step of the twin
// (the twin rounds each fp32 probability before its fp64 running sum; the kernel compares
// summed weights with u x total), at most 1 row in 100; log-probs within 1e-5 of an fp64
// log-softmax.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "r1forge/kernels/sampling_row.h"
#include "r1forge/sampling/logits_processor.h"
#include "r1forge/sampling/sampler.h"
#include "sampling/sampling_test_util.h"

namespace r1forge {
namespace {

namespace sampling = kernels::sampling;

struct Case {
  std::vector<float> logits;
  SamplingParams params;
  double uniform = 0;
};

// The twin's token and the fp64 CDF distance of u from the nearest step (how close a draw was).
struct TwinDraw {
  int64_t token = -1;
  double distance = 0;
  double logprob = 0;
  double exact_logprob = 0;  // the same in fp64 from the fp32 tempered logits
};

TwinDraw twin_draw(const Case& c) {
  const int64_t vocab = static_cast<int64_t>(c.logits.size());
  at::Tensor logits = at::from_blob(const_cast<float*>(c.logits.data()), {1, vocab}).clone();
  const double divisor = c.params.temperature > 0 ? c.params.temperature : 1.0;
  at::Tensor reported =
      at::log_softmax(logits / at::tensor(static_cast<float>(divisor)), 1);  // [1, V]
  testing::OwnedRows rows;
  rows.add(c.params);
  LogitsProcessorChain().apply(logits, rows.batch());
  const bool greedy = c.params.temperature == 0;
  at::Tensor tokens = choose_by_cdf(logits, at::tensor({c.uniform}, at::kDouble), {greedy});
  TwinDraw draw;
  draw.token = tokens[0].item<int64_t>();
  if (draw.token == vocab) {  // u past the total: the last token with nonzero probability
    tokens = tokens.contiguous();
    resolve_past_total(tokens, logits);
    draw.token = tokens[0].item<int64_t>();
  }
  at::Tensor cdf = at::softmax(logits, 1).to(at::kDouble).cumsum(1)[0];
  draw.distance = greedy ? 1.0 : (cdf - c.uniform).abs().min().item<double>();
  draw.logprob = draw.token >= 0 ? reported[0][draw.token].item<double>() : NAN;
  at::Tensor tempered =
      (at::from_blob(const_cast<float*>(c.logits.data()), {vocab}) / static_cast<float>(divisor))
          .to(at::kDouble);
  draw.exact_logprob =
      draw.token >= 0 ? at::log_softmax(tempered, 0)[draw.token].item<double>() : NAN;
  return draw;
}

sampling::RowSample kernel_draw(const Case& c) {
  sampling::RowSamplingParams params;
  params.temperature = static_cast<float>(c.params.temperature);
  params.top_k = static_cast<int32_t>(c.params.top_k);
  params.top_p = c.params.top_p;
  params.min_p = static_cast<float>(c.params.min_p);
  params.uniform = c.uniform;
  return sampling::sample_row_on_host(c.logits.data(), nullptr,
                                      static_cast<int64_t>(c.logits.size()), params);
}

// Logits with runs of exact ties (values on a coarse grid) and some -inf.
Case random_case(std::mt19937_64& random, int64_t vocab) {
  Case c;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const bool coarse = unit(random) < 0.5;
  std::normal_distribution<float> normal(0.f, 3.f);
  for (int64_t id = 0; id < vocab; ++id) {
    float value = normal(random);
    if (coarse) value = std::round(value * 2.f) / 2.f;  // many exact ties
    if (unit(random) < 0.05 && id != 0) value = -INFINITY;
    c.logits.push_back(value);
  }
  const int knobs = static_cast<int>(unit(random) * 16);
  c.params.temperature = unit(random) < 0.15 ? 0.0 : 0.3 + 1.5 * unit(random);
  if (unit(random) < 0.2) c.params.temperature = 1.0;
  if (knobs & 1) c.params.top_k = 1 + static_cast<int64_t>(unit(random) * vocab * 0.5);
  if (knobs & 2) c.params.top_p = 0.05 + 0.94 * unit(random);
  if (knobs & 4) c.params.min_p = 0.3 * unit(random);
  c.uniform = unit(random);
  return c;
}

TEST(SamplingRow, HostRunOfTheKernelAlgorithmMatchesTheAtenTwin) {
  std::mt19937_64 random(20261206);
  int64_t compared = 0, near_boundary = 0;
  double worst_logprob = 0, worst_twin = 0;
  for (int64_t vocab : {1, 2, 7, 64, 1000, 50000, 151936}) {
    const int64_t cases = vocab >= 50000 ? 12 : 300;
    for (int64_t i = 0; i < cases; ++i) {
      const Case c = random_case(random, vocab);
      const TwinDraw twin = twin_draw(c);
      const sampling::RowSample fused = kernel_draw(c);
      ++compared;
      if (fused.token != twin.token) {
        ++near_boundary;
        EXPECT_LT(twin.distance, 1e-6) << "V " << vocab << " case " << i << ": kernel "
                                       << fused.token << ", twin " << twin.token;
        continue;
      }
      worst_logprob = std::max(worst_logprob, std::abs(fused.logprob - twin.exact_logprob));
      worst_twin = std::max(worst_twin, std::abs(twin.logprob - twin.exact_logprob));
    }
  }
  EXPECT_LE(near_boundary * 100, compared) << near_boundary << " of " << compared;
  // Against the fp64 log-softmax: the kernel sums in fp64 (measured 6e-7); ATen's fp32
  // log_softmax over 152k entries drifts further (measured 2.2e-5), so the twin gets 5e-5.
  EXPECT_LT(worst_logprob, 1e-5);
  EXPECT_LT(worst_twin, 5e-5);
}

// Equal logits: the probabilities are exactly 1 / n, so the top-p boundary is exact and both
// must keep the same number of tokens: n = 4, p = 0.5 keeps ids 0 and 1 (masses before them 0
// and 0.25 < 0.5; id 2 has 0.5 before it); u = 0.3 of the renormalised pair picks id 0, 0.6 id 1.
TEST(SamplingRow, EqualLogitsAtAnExactTopPBoundary) {
  Case c;
  c.logits = {1.f, 1.f, 1.f, 1.f};
  c.params.top_p = 0.5;
  for (auto [u, expected] : {std::pair{0.3, 0}, {0.6, 1}, {0.999, 1}}) {
    c.uniform = u;
    EXPECT_EQ(kernel_draw(c).token, expected) << u;
    EXPECT_EQ(twin_draw(c).token, expected) << u;
    EXPECT_NEAR(kernel_draw(c).logprob, std::log(0.25), 1e-6);
  }
}

// Greedy rows take the lowest id among equal maxima and report temperature-1 log-probs; a row
// with no finite logit has no token (-1; the launcher's caller reports it).
TEST(SamplingRow, GreedyTiesAndEmptyRows) {
  Case c;
  c.logits = {0.f, 3.f, 3.f, -INFINITY};
  c.params.temperature = 0;
  const sampling::RowSample greedy = kernel_draw(c);
  EXPECT_EQ(greedy.token, 1);
  EXPECT_NEAR(greedy.logprob, 3.0 - std::log(1.0 + 2.0 * std::exp(3.0)), 1e-6);
  c.logits = {-INFINITY, -INFINITY};
  c.params.temperature = 1.0;
  c.uniform = 0.5;
  EXPECT_EQ(kernel_draw(c).token, -1);
}

// A separate report row: the draw follows `logits` (penalised), the log-prob `report`.
TEST(SamplingRow, ReportRowGivesTheLogprobs) {
  const std::vector<float> logits = {0.f, 5.f, 0.f}, report = {2.f, 0.f, 0.f};
  sampling::RowSamplingParams params;
  params.temperature = 0;
  const sampling::RowSample sample =
      sampling::sample_row_on_host(logits.data(), report.data(), 3, params);
  EXPECT_EQ(sample.token, 1);
  EXPECT_NEAR(sample.logprob, 0.0 - std::log(std::exp(2.0) + 2.0), 1e-6);
}

}  // namespace
}  // namespace r1forge
