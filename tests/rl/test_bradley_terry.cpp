// The Bradley–Terry reward-model loss: hand-derived values and gradients (derivations below),
// and TRL's RewardTrainer.compute_loss itself through the fixture
// tests/golden/reward_model/trl_bradley_terry.json (tests/rl/make_bradley_terry_fixtures.py,
// float64; the CTest entry rl.bradley_terry_fixture_matches_trl reruns it against the
// installed TRL).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/rl/bradley_terry.h"
#include "test_util.h"

namespace r1forge {
namespace {

at::Tensor doubles(const std::vector<double>& values) {
  return at::tensor(values, at::kDouble);
}

at::Tensor leaf(const std::vector<double>& values) {
  return doubles(values).requires_grad_();
}

// σ(−1) = 1/(1+e) = 0.2689414213699951; softplus(−1) = log(1 + e^−1) = 0.31326168751822286;
// log 2 = 0.6931471805599453.
constexpr double kSigmoidMinusOne = 0.2689414213699951;
constexpr double kSoftplusMinusOne = 0.31326168751822286;
constexpr double kLog2 = 0.6931471805599453;

TEST(BradleyTerry, HandDerivedWithoutMargin) {
  // chosen [1, 0], rejected [0, 0]: d = [1, 0].
  // loss = (−log σ(1) − log σ(0)) / 2 = (softplus(−1) + log 2) / 2 = 0.5032044340390841.
  // ∂/∂r_c = −σ(−d)/P = [−σ(−1)/2, −1/4]; ∂/∂r_r is its negative.
  // Accuracy 1/2: the second pair is a tie, and a tie is not correct. Margin mean d = 0.5.
  at::Tensor chosen = leaf({1.0, 0.0}), rejected = leaf({0.0, 0.0});
  BradleyTerryResult result = bradley_terry_loss(chosen, rejected);
  result.loss.backward();
  EXPECT_NEAR(result.loss.item<double>(), (kSoftplusMinusOne + kLog2) / 2, 1e-15);
  EXPECT_LT(testing::max_abs_diff(chosen.grad(), doubles({-kSigmoidMinusOne / 2, -0.25})), 1e-15);
  EXPECT_LT(testing::max_abs_diff(rejected.grad(), doubles({kSigmoidMinusOne / 2, 0.25})), 1e-15);
  EXPECT_EQ(result.pairs, 2);
  EXPECT_EQ(result.correct_pairs, 1);
  EXPECT_DOUBLE_EQ(result.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(result.margin, 0.5);
  EXPECT_DOUBLE_EQ(result.chosen_reward, 0.5);
  EXPECT_DOUBLE_EQ(result.rejected_reward, 0.0);
}

TEST(BradleyTerry, HandDerivedWithMarginAndCentring) {
  // Same scores, margins m = [1, −1]: shifted d − m = [0, 1], so the two pairs swap roles:
  // loss = (log 2 + softplus(−1)) / 2, ∂/∂r_c = [−1/4, −σ(−1)/2].
  at::Tensor chosen = leaf({1.0, 0.0}), rejected = leaf({0.0, 0.0});
  BradleyTerryResult result = bradley_terry_loss(chosen, rejected, doubles({1.0, -1.0}));
  result.loss.backward();
  EXPECT_NEAR(result.loss.item<double>(), (kSoftplusMinusOne + kLog2) / 2, 1e-15);
  EXPECT_LT(testing::max_abs_diff(chosen.grad(), doubles({-0.25, -kSigmoidMinusOne / 2})), 1e-15);
  EXPECT_LT(testing::max_abs_diff(rejected.grad(), doubles({0.25, kSigmoidMinusOne / 2})), 1e-15);
  // The margin shifts the loss only: accuracy and the margin metric read the raw scores.
  EXPECT_EQ(result.correct_pairs, 1);
  EXPECT_DOUBLE_EQ(result.margin, 0.5);

  // With center_rewards_coefficient c = 0.5: + c·mean((r_c + r_r)²) = 0.5·(1 + 0)/2 = 0.25,
  // and 2c(r_c + r_r)/P = [0.5, 0] added to both gradients.
  at::Tensor chosen2 = leaf({1.0, 0.0}), rejected2 = leaf({0.0, 0.0});
  BradleyTerryConfig config;
  config.center_rewards_coefficient = 0.5;
  BradleyTerryResult centred = bradley_terry_loss(chosen2, rejected2, doubles({1.0, -1.0}), config);
  centred.loss.backward();
  EXPECT_NEAR(centred.loss.item<double>(), (kSoftplusMinusOne + kLog2) / 2 + 0.25, 1e-15);
  EXPECT_LT(testing::max_abs_diff(chosen2.grad(), doubles({0.25, -kSigmoidMinusOne / 2})), 1e-15);
  EXPECT_LT(testing::max_abs_diff(rejected2.grad(), doubles({0.75, kSigmoidMinusOne / 2})), 1e-15);
}

TEST(BradleyTerry, StableForLargeScoreGaps) {
  // d = ±100 in fp32: −log σ(100) = softplus(−100) ≈ 3.7e−44 (underflows to 0 in fp32), and
  // −log σ(−100) = softplus(100) = 100 + 3.7e−44; a naive log(sigmoid) would give inf.
  at::Tensor chosen = at::tensor({100.0f, -50.0f}).requires_grad_();
  at::Tensor rejected = at::tensor({0.0f, 50.0f}).requires_grad_();
  BradleyTerryResult result = bradley_terry_loss(chosen, rejected);
  result.loss.backward();
  EXPECT_NEAR(result.loss.item<double>(), 50.0, 1e-5);  // (0 + 100) / 2
  EXPECT_TRUE(chosen.grad().isfinite().all().item<bool>());
  EXPECT_NEAR(chosen.grad()[1].item<double>(), -0.5, 1e-7);  // −σ(100)/2
  EXPECT_EQ(result.loss.scalar_type(), at::kFloat);
}

TEST(BradleyTerry, MatchesTrlRewardTrainerFixture) {
  const auto path = testing::source_dir() / "tests/golden/reward_model/trl_bradley_terry.json";
  const nlohmann::json fixture = nlohmann::json::parse(read_file(path));
  int cases = 0;
  for (const nlohmann::json& item : fixture.at("cases")) {
    const std::string name = item.at("name");
    at::Tensor chosen = leaf(item.at("chosen").get<std::vector<double>>());
    at::Tensor rejected = leaf(item.at("rejected").get<std::vector<double>>());
    at::Tensor margins;
    if (!item.at("margins").is_null())
      margins = doubles(item.at("margins").get<std::vector<double>>());
    BradleyTerryConfig config;
    if (!item.at("center_rewards_coefficient").is_null()) {
      config.center_rewards_coefficient = item.at("center_rewards_coefficient");
    }
    BradleyTerryResult result = bradley_terry_loss(chosen, rejected, margins, config);
    result.loss.backward();
    // float64 on both sides, same formula: only rounding order may differ.
    EXPECT_NEAR(result.loss.item<double>(), item.at("loss").get<double>(), 1e-12) << name;
    EXPECT_LT(testing::max_abs_diff(chosen.grad(),
                                    doubles(item.at("grad_chosen").get<std::vector<double>>())),
              1e-12)
        << name;
    EXPECT_LT(testing::max_abs_diff(rejected.grad(),
                                    doubles(item.at("grad_rejected").get<std::vector<double>>())),
              1e-12)
        << name;
    // TRL averages its accuracy in float32 (.float().mean()), hence the looser tolerance.
    EXPECT_NEAR(result.accuracy, item.at("accuracy").get<double>(), 1e-7) << name;
    EXPECT_NEAR(result.margin, item.at("margin").get<double>(), 1e-12) << name;
    ++cases;
  }
  EXPECT_EQ(cases, 4);
}

TEST(BradleyTerry, RejectsBadShapes) {
  EXPECT_THROW(bradley_terry_loss(doubles({}), doubles({})), Error);
  EXPECT_THROW(bradley_terry_loss(doubles({1, 2}), doubles({1})), Error);
  EXPECT_THROW(bradley_terry_loss(doubles({1, 2}), doubles({1, 2}), doubles({1})), Error);
}

}  // namespace
}  // namespace r1forge
