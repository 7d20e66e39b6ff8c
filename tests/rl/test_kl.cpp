// Tests for the KL estimators (rl/kl.h): algorithms.md §13.2 values and gradients, the
// log-ratio clamp, the k3 autograd coefficient against DeepSeekMath's analytic one, and the
// detached reward penalty. Not here: the KL inside the policy loss (test_policy_loss.cpp).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/rl/kl.h"
#include "test_util.h"

namespace r1forge {
namespace {

at::Tensor scalar(double value, bool requires_grad = false) {
  return at::full({1, 1}, value, at::kDouble).set_requires_grad(requires_grad);
}

struct KlCase {
  KlEstimator estimator;
  double value;
  double gradient;
};

// §13.2: logp = −1.0, ref = −1.5, δ = 0.5.
//   k1 = δ = 0.5,               d/dlogp = 1
//   k2 = δ²/2 = 0.125,          d/dlogp = δ = 0.5
//   k3 = e^{−δ} + δ − 1 = 0.6065307 + 0.5 − 1 = 0.1065307,  d/dlogp = 1 − e^{−δ} = 0.3934693
TEST(KlEstimate, AlgorithmsSection13_2ValuesAndGradients) {
  const KlCase cases[] = {{KlEstimator::K1, 0.5, 1.0},
                          {KlEstimator::K2, 0.125, 0.5},
                          {KlEstimator::K3, std::exp(-0.5) - 0.5, 1.0 - std::exp(-0.5)}};
  for (const KlCase& c : cases) {
    at::Tensor logp = scalar(-1.0, true);
    at::Tensor kl = kl_estimate(logp, scalar(-1.5), c.estimator);
    EXPECT_NEAR(kl.item<double>(), c.value, 1e-12) << kl_estimator_name(c.estimator);
    kl.sum().backward();
    EXPECT_NEAR(logp.grad().item<double>(), c.gradient, 1e-12) << kl_estimator_name(c.estimator);
  }
  EXPECT_NEAR(std::exp(-0.5) - 0.5, 0.1065307, 1e-7);  // the table's rounded figure
}

// k3 as a loss term β·k3: autograd gives β(1 − π_ref/π) per token, i.e. minus DeepSeekMath's
// coefficient β(π_ref/π − 1) on the objective (eq. 21), since the loss is the negated objective.
TEST(KlEstimate, K3GradientEqualsAnalyticCoefficient) {
  at::manual_seed(3);
  const double beta = 0.04;
  at::Tensor logp = (-at::rand({3, 5}, at::kDouble) * 4).set_requires_grad(true);
  at::Tensor ref = logp.detach() + (at::rand({3, 5}, at::kDouble) - 0.5) * 3;
  (beta * kl_estimate(logp, ref, KlEstimator::K3)).sum().backward();
  const at::Tensor ratio_ref_over_policy = at::exp(ref - logp.detach());  // π_ref / π
  const at::Tensor objective_coefficient = beta * (ratio_ref_over_policy - 1.0);
  EXPECT_LT(testing::max_abs_diff(logp.grad(), -objective_coefficient), 1e-14);
}

TEST(KlEstimate, EstimatorsAreNonNegativeWhereTheTheorySaysSo) {
  at::manual_seed(5);
  at::Tensor logp = -at::rand({4, 7}, at::kDouble) * 5;
  at::Tensor ref = -at::rand({4, 7}, at::kDouble) * 5;
  EXPECT_GE(kl_estimate(logp, ref, KlEstimator::K2).min().item<double>(), 0.0);
  EXPECT_GE(kl_estimate(logp, ref, KlEstimator::K3).min().item<double>(), 0.0);
  // k1 is signed: where the reference is likelier it is negative.
  EXPECT_LT(kl_estimate(scalar(-2.0), scalar(-1.0), KlEstimator::K1).item<double>(), 0.0);
  EXPECT_EQ(kl_estimate(logp, logp, KlEstimator::K3).abs().max().item<double>(), 0.0);
}

// δ = logp − ref = −30 (reference far likelier). Unclamped k3 = e^{30} − 31; with clamp 20 the
// log-ratio becomes −20, giving e^{20} − 21, and the clamped token gets zero gradient.
TEST(KlEstimate, LogRatioClampBoundsK3AndStopsItsGradient) {
  at::Tensor logp = scalar(-31.0, true);
  at::Tensor ref = scalar(-1.0);
  EXPECT_NEAR(kl_estimate(logp, ref, KlEstimator::K3).item<double>() / (std::exp(30.0) - 31.0), 1.0,
              1e-12);
  at::Tensor clamped = kl_estimate(logp, ref, KlEstimator::K3, 20.0);
  EXPECT_NEAR(clamped.item<double>() / (std::exp(20.0) - 21.0), 1.0, 1e-12);
  clamped.sum().backward();
  EXPECT_EQ(logp.grad().item<double>(), 0.0);
  // Inside the clamp range nothing changes: δ = 0.5 still gives 0.1065307.
  EXPECT_NEAR(kl_estimate(scalar(-1.0), scalar(-1.5), KlEstimator::K3, 20.0).item<double>(),
              std::exp(-0.5) - 0.5, 1e-12);
}

// Two sequences, β = 0.1, k1 with old − ref = [[0.5, 0.25, (pad) 9], [−0.2, (pad) 7, (pad) 7]]:
// penalties 0.1·0.75 = 0.075 and 0.1·(−0.2) = −0.02; padding ignored, no gradient.
TEST(KlRewardPenalty, SumsMaskedTokensTimesBetaDetached) {
  at::Tensor old_logp =
      at::tensor({-1.0, -2.0, -3.0, -1.0, -1.0, -1.0}, at::kDouble).view({2, 3}).requires_grad_();
  at::Tensor ref = at::tensor({-1.5, -2.25, -12.0, -0.8, -8.0, -8.0}, at::kDouble).view({2, 3});
  at::Tensor mask = at::tensor({1, 1, 0, 1, 0, 0}, at::kLong).view({2, 3});
  at::Tensor penalty = kl_reward_penalty(old_logp, ref, mask, 0.1, KlEstimator::K1);
  ASSERT_EQ(penalty.sizes(), at::IntArrayRef({2}));
  EXPECT_NEAR(penalty[0].item<double>(), 0.075, 1e-12);
  EXPECT_NEAR(penalty[1].item<double>(), -0.02, 1e-12);
  EXPECT_FALSE(penalty.requires_grad());
}

TEST(KlEstimate, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(parse_kl_estimator("k1"), KlEstimator::K1);
  EXPECT_EQ(parse_kl_estimator("mse"), KlEstimator::K2);
  EXPECT_EQ(parse_kl_estimator("low_var_kl"), KlEstimator::K3);
  try {
    parse_kl_estimator("k4");
    FAIL() << "k4 accepted";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("k1, k2, k3"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace r1forge
