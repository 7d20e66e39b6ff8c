// Tests for the GRPO policy loss (rl/policy_loss.h): hand-derived vectors from algorithms.md
// §13.3, 13.4 and 13.6 (derivations inline), masked-token gradients, the k3 gradient inside the
// loss, KL-in-reward, config errors, and parity with TRL's GRPOTrainer._compute_loss on the
// fixtures in tests/golden/trl_loss (made by scripts/make_trl_fixtures.py).
// Not here: the KL estimators alone (test_kl.cpp).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/rl/policy_loss.h"
#include "test_util.h"

namespace r1forge {
namespace {

// One single-token sequence with ratio ρ (old_logp = 0, logp = log ρ) and advantage A,
// aggregated with bnpo so the scalar loss is that token's loss.
struct TokenResult {
  double loss;
  double gradient;  // d loss / d logp
};

TokenResult one_token(double ratio, double advantage, PolicyLossConfig config) {
  config.loss_type = LossType::BNPO;
  PolicyLossInputs in;
  in.logp = at::full({1, 1}, std::log(ratio), at::kDouble).set_requires_grad(true);
  in.old_logp = at::zeros({1, 1}, at::kDouble);
  in.advantages = at::full({1}, advantage, at::kDouble);
  in.mask = at::ones({1, 1}, at::kLong);
  auto [loss, stats] = policy_loss(in, config);
  loss.backward();
  return {loss.item<double>(), in.logp.grad().item<double>()};
}

// §13.3, ε_low = 0.2, ε_high = 0.28; loss = −surrogate = −min(ρA, clip(ρ, 0.8, 1.28)A).
// Unclipped tokens have d(−ρA)/dlogp = −ρA (since dρ/dlogp = ρ); clipped ones have zero.
TEST(PolicyLoss, ClippedSurrogateSection13_3) {
  PolicyLossConfig config;
  config.epsilon = 0.2;
  config.epsilon_high = 0.28;
  // ρ=1.5, A=+1: min(1.5, 1.28) = 1.28, clipped.
  TokenResult r = one_token(1.5, 1.0, config);
  EXPECT_NEAR(r.loss, -1.28, 1e-12);
  EXPECT_EQ(r.gradient, 0.0);
  // ρ=1.5, A=−1: min(−1.5, −1.28) = −1.5, unclipped; gradient −ρA = 1.5.
  r = one_token(1.5, -1.0, config);
  EXPECT_NEAR(r.loss, 1.5, 1e-12);
  EXPECT_NEAR(r.gradient, 1.5, 1e-12);
  // ρ=0.5, A=+1: min(0.5, 0.8) = 0.5, unclipped; gradient −0.5.
  r = one_token(0.5, 1.0, config);
  EXPECT_NEAR(r.loss, -0.5, 1e-12);
  EXPECT_NEAR(r.gradient, -0.5, 1e-12);
  // ρ=0.5, A=−1: min(−0.5, −0.8) = −0.8, clipped.
  r = one_token(0.5, -1.0, config);
  EXPECT_NEAR(r.loss, 0.8, 1e-12);
  EXPECT_EQ(r.gradient, 0.0);
}

// §13.4, dual clip c = 3 (TRL delta = 3), ε = 0.2: loss = −min(min(ρ, 3)A, clip(ρ)A).
//   ρ=5, A=−1: −min(−3, −1.2) = 3 (capped, zero gradient);  ρ=2, A=−1: −min(−2, −1.2) = 2;
//   ρ=5, A=+1: −min(3, 1.2) = −1.2.
TEST(PolicyLoss, DualClipSection13_4) {
  PolicyLossConfig config;
  config.delta = 3.0;
  TokenResult r = one_token(5.0, -1.0, config);
  EXPECT_NEAR(r.loss, 3.0, 1e-12);
  EXPECT_EQ(r.gradient, 0.0);
  EXPECT_NEAR(one_token(2.0, -1.0, config).loss, 2.0, 1e-12);
  EXPECT_NEAR(one_token(5.0, 1.0, config).loss, -1.2, 1e-12);
  // Without the dual clip the ρ=5, A=−1 loss is unbounded: −min(−5, −1.2) = 5.
  EXPECT_NEAR(one_token(5.0, -1.0, PolicyLossConfig{}).loss, 5.0, 1e-12);
}

// §13.6: two on-policy sequences (ratio 1) with A = −1 (2 tokens) and A = −0.5 (4 tokens) give
// per-token losses −ρA = [1, 1] and [0.5, 0.5, 0.5, 0.5]:
//   grpo = (1 + 0.5)/2 = 0.75; bnpo = dapo = 4/6; dr_grpo (L_max 8) = 4/(2·8) = 0.25.
TEST(PolicyLoss, AggregationSection13_6) {
  PolicyLossInputs in;
  in.logp = at::full({2, 4}, -1.0, at::kDouble);
  in.old_logp = in.logp.clone();
  in.advantages = at::tensor({-1.0, -0.5}, at::kDouble);
  in.mask = at::tensor({1, 1, 0, 0, 1, 1, 1, 1}, at::kLong).view({2, 4});
  PolicyLossConfig config;
  config.max_completion_length = 8;
  const std::pair<LossType, double> expected[] = {{LossType::GRPO, 0.75},
                                                  {LossType::BNPO, 4.0 / 6.0},
                                                  {LossType::DAPO, 4.0 / 6.0},
                                                  {LossType::DR_GRPO, 0.25}};
  for (const auto& [type, value] : expected) {
    config.loss_type = type;
    EXPECT_NEAR(policy_loss(in, config).first.item<double>(), value, 1e-12) << loss_type_name(type);
  }
  // dapo over an accumulation window of 16 active tokens: 4/16 = 0.25.
  config.loss_type = LossType::DAPO;
  in.global_active_tokens = 16;
  EXPECT_NEAR(policy_loss(in, config).first.item<double>(), 0.25, 1e-12);
  // grpo with 2 accumulated micro-batches: 0.75 / 2; the stat keeps the undivided 0.75.
  config.loss_type = LossType::GRPO;
  in.accumulation_steps = 2;
  auto [loss, stats] = policy_loss(in, config);
  EXPECT_NEAR(loss.item<double>(), 0.375, 1e-12);
  EXPECT_NEAR(stats.policy_loss, 0.75, 1e-12);
}

// §13.6 GSPO: token log-ratios [0.1, −0.2, 0.4] give s = exp(mean) = exp(0.1) = 1.1051709 for
// every token of the sequence; with A = 1 and ε = 0.2 it is unclipped, so each token's loss is
// −s and their bnpo mean is −s. Since ds/dlogp_t = s/|o| = s/3, d loss/d logp_t = −s/3 for the
// three active tokens and 0 for the padding.
TEST(PolicyLoss, SequenceLevelRatioGspo) {
  PolicyLossInputs in;
  in.logp = at::tensor({0.1, -0.2, 0.4, 5.0}, at::kDouble).view({1, 4}).requires_grad_();
  in.old_logp = at::zeros({1, 4}, at::kDouble);
  in.advantages = at::ones({1}, at::kDouble);
  in.mask = at::tensor({1, 1, 1, 0}, at::kLong).view({1, 4});  // the 5.0 is padding
  PolicyLossConfig config;
  config.loss_type = LossType::BNPO;
  config.importance_sampling_level = ImportanceSamplingLevel::SEQUENCE;
  auto [loss, stats] = policy_loss(in, config);
  const double s = std::exp(0.1);
  EXPECT_NEAR(s, 1.1051709, 1e-7);
  EXPECT_NEAR(loss.item<double>(), -s, 1e-12);
  EXPECT_NEAR(stats.ratio_mean, s, 1e-12);
  EXPECT_NEAR(stats.ratio_max, s, 1e-12);
  loss.backward();
  for (int64_t t = 0; t < 3; ++t) EXPECT_NEAR(in.logp.grad()[0][t].item<double>(), -s / 3, 1e-12);
  EXPECT_EQ(in.logp.grad()[0][3].item<double>(), 0.0);
}

PolicyLossInputs random_inputs(int64_t seed) {
  at::manual_seed(seed);
  PolicyLossInputs in;
  in.logp = (-at::rand({4, 6}, at::kDouble) * 3).set_requires_grad(true);
  in.old_logp = in.logp.detach() + (at::rand({4, 6}, at::kDouble) - 0.5);
  in.ref_logp = in.logp.detach() + (at::rand({4, 6}, at::kDouble) - 0.5);
  in.entropy = (at::rand({4, 6}, at::kDouble) * 2).set_requires_grad(true);
  in.advantages = at::tensor({0.9, -1.1, 0.3, -0.2}, at::kDouble);
  in.mask = at::tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                       at::kLong)
                .view({4, 6});  // the last row is entirely padding
  // Padding holds values that would blow up if they leaked (huge ratio and KL).
  const at::Tensor pad = in.mask == 0;
  in.old_logp = in.old_logp.masked_fill(pad, -40.0);
  in.ref_logp = in.ref_logp.masked_fill(pad, 30.0);
  return in;
}

TEST(PolicyLoss, MaskedTokensGetZeroGradient) {
  for (LossType type : {LossType::GRPO, LossType::BNPO, LossType::DR_GRPO, LossType::DAPO}) {
    for (auto level : {ImportanceSamplingLevel::TOKEN, ImportanceSamplingLevel::SEQUENCE}) {
      PolicyLossInputs in = random_inputs(9);
      PolicyLossConfig config;
      config.loss_type = type;
      config.importance_sampling_level = level;
      config.beta = 0.04;
      config.entropy_coef = 0.01;
      config.max_completion_length = 6;
      auto [loss, stats] = policy_loss(in, config);
      ASSERT_TRUE(std::isfinite(loss.item<double>())) << loss_type_name(type);
      loss.backward();
      const at::Tensor pad = in.mask == 0;
      EXPECT_EQ(in.logp.grad().masked_select(pad).abs().max().item<double>(), 0.0);
      EXPECT_EQ(in.entropy.grad().masked_select(pad).abs().max().item<double>(), 0.0);
      EXPECT_GT(in.logp.grad().masked_select(~pad).abs().max().item<double>(), 0.0);
      EXPECT_TRUE(std::isfinite(stats.kl_mean) && std::isfinite(stats.ratio_max));
    }
  }
}

// On-policy (old = logp) with zero advantages the policy term vanishes, so the bnpo loss is
// β·mean(k3) over the n = 9 active tokens and its gradient is β(1 − π_ref/π)/n per active token.
TEST(PolicyLoss, KlTermGradientIsAnalyticK3Coefficient) {
  PolicyLossInputs in = random_inputs(4);
  in.old_logp = in.logp.detach();
  in.advantages = at::zeros({4}, at::kDouble);
  PolicyLossConfig config;
  config.loss_type = LossType::BNPO;
  config.beta = 0.1;
  auto [loss, stats] = policy_loss(in, config);
  loss.backward();
  const at::Tensor mask = in.mask.to(at::kDouble);
  const at::Tensor expected = 0.1 * (1.0 - at::exp(in.ref_logp - in.logp.detach())) * mask / 10.0;
  EXPECT_LT(testing::max_abs_diff(in.logp.grad(), expected), 1e-15);
  EXPECT_NEAR(loss.item<double>(), 0.1 * stats.kl_mean, 1e-14);
}

// kl_in = reward: the loss carries no KL (equal to the β = 0 loss, no gradient from ref) but
// the KL is still reported.
TEST(PolicyLoss, KlInRewardLeavesTheLossAloneButReportsKl) {
  PolicyLossConfig config;
  config.beta = 0.5;
  config.kl_in = KlPlacement::REWARD;
  PolicyLossConfig no_kl;
  auto [with_reward_kl, stats] = policy_loss(random_inputs(2), config);
  auto [without, stats_without] = policy_loss(random_inputs(2), no_kl);
  EXPECT_EQ(with_reward_kl.item<double>(), without.item<double>());
  EXPECT_GT(stats.kl_mean, 0.0);
  EXPECT_EQ(stats.kl_mean, stats_without.kl_mean);  // reported whenever ref_logp is given
}

// R1's epsilon 10: the lower bound 1 − 10 = −9 lies below every ratio, so a low-ratio token
// with A < 0 is no longer clipped, and the upper bound is 1 + 10 = 11.
//   ρ=0.5, A=−1: min(−0.5, clip(0.5, −9, 11)·−1 = −0.5) = −0.5, unclipped: loss 0.5, grad 0.5
//   (at ε 0.2 it is clipped to −0.8 with zero gradient, see §13.3 above);
//   ρ=12, A=+1: min(12, 11) = 11, clipped: loss −11, gradient 0.
TEST(PolicyLoss, EpsilonAboveOneTurnsTheLowerClipOff) {
  PolicyLossConfig config;
  config.epsilon = 10.0;
  TokenResult r = one_token(0.5, -1.0, config);
  EXPECT_NEAR(r.loss, 0.5, 1e-12);
  EXPECT_NEAR(r.gradient, 0.5, 1e-12);
  r = one_token(12.0, 1.0, config);
  EXPECT_NEAR(r.loss, -11.0, 1e-12);
  EXPECT_EQ(r.gradient, 0.0);
  config.epsilon = 0.2;
  EXPECT_NEAR(one_token(0.5, -1.0, config).loss, 0.8, 1e-12);
  config.epsilon = -0.1;
  EXPECT_THROW(one_token(0.5, -1.0, config), ConfigError);
}

TEST(PolicyLoss, RejectsBadConfigWithConfigError) {
  PolicyLossConfig config;
  config.delta = 1.1;  // must exceed 1 + epsilon_high = 1.2
  EXPECT_THROW(policy_loss(random_inputs(1), config), ConfigError);
  config = PolicyLossConfig{};
  config.loss_type = LossType::DR_GRPO;
  config.max_completion_length = 0;
  EXPECT_THROW(policy_loss(random_inputs(1), config), ConfigError);
  EXPECT_EQ(parse_loss_type("dr_grpo"), LossType::DR_GRPO);
  EXPECT_EQ(parse_importance_sampling_level("sequence"), ImportanceSamplingLevel::SEQUENCE);
  EXPECT_EQ(parse_kl_placement("reward"), KlPlacement::REWARD);
  try {
    parse_loss_type("ppo");
    FAIL() << "ppo accepted";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("grpo, bnpo, dr_grpo, dapo"), std::string::npos);
  }
  EXPECT_THROW(parse_kl_placement("both"), ConfigError);
}

at::Tensor tensor_from(const nlohmann::json& rows, at::ScalarType type) {
  std::vector<double> flat;
  for (const auto& row : rows) {
    if (row.is_array()) {
      for (const auto& value : row) flat.push_back(value.get<double>());
    } else {
      flat.push_back(row.get<double>());
    }
  }
  at::Tensor out = at::tensor(flat, at::kDouble);
  if (rows[0].is_array()) out = out.view({static_cast<int64_t>(rows.size()), -1});
  return out.to(type);
}

// Every fixture: our loss, gradients and stats against TRL's own _compute_loss output, on the
// CPU and on CUDA (fp64 both; the statistics come back in the loss's one device read).
class PolicyLossOn : public ::testing::TestWithParam<at::Device> {};

TEST_P(PolicyLossOn, MatchesTrlGrpoTrainerFixtures) {
  const at::Device device = GetParam();
  R1F_SKIP_UNLESS_AVAILABLE(device);
  const auto on_device = [&](const nlohmann::json& values, at::ScalarType type) {
    return tensor_from(values, type).to(device);
  };
  const auto dir = testing::source_dir() / "tests/golden/trl_loss";
  int64_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    nlohmann::json fixture = nlohmann::json::parse(std::ifstream(entry.path()));
    const auto& c = fixture["case"];
    const auto& x = fixture["inputs"];
    PolicyLossInputs in;
    in.logp = on_device(x["logp"], at::kDouble).set_requires_grad(true);
    in.old_logp = on_device(x["old_logp"], at::kDouble);
    if (c["beta"].get<double>() != 0.0) in.ref_logp = on_device(x["ref_logp"], at::kDouble);
    in.entropy = on_device(x["entropy"], at::kDouble).set_requires_grad(true);
    in.advantages = on_device(x["advantages"], at::kDouble);
    in.mask = on_device(x["mask"], at::kLong);
    in.global_active_tokens = x["num_items_in_batch"].get<int64_t>();
    in.accumulation_steps = c["accumulation_steps"].get<int64_t>();
    PolicyLossConfig config;
    config.loss_type = parse_loss_type(c["loss_type"].get<std::string>());
    config.importance_sampling_level =
        parse_importance_sampling_level(c["importance_sampling_level"].get<std::string>());
    config.epsilon = c["epsilon"].get<double>();
    if (!c["epsilon_high"].is_null()) config.epsilon_high = c["epsilon_high"].get<double>();
    if (!c["delta"].is_null()) config.delta = c["delta"].get<double>();
    config.beta = c["beta"].get<double>();
    config.entropy_coef = c["entropy_coef"].get<double>();
    config.max_completion_length = c["max_completion_length"].get<int64_t>();
    config.use_bias_correction_kl = c["use_bias_correction_kl"].get<bool>();

    auto [loss, stats] = policy_loss(in, config);
    EXPECT_NEAR(loss.item<double>(), fixture["loss"].get<double>(), 1e-6);
    loss.backward();
    EXPECT_EQ(in.logp.grad().device(), device);
    EXPECT_LT(
        testing::max_abs_diff(in.logp.grad().cpu(), tensor_from(fixture["grad_logp"], at::kDouble)),
        1e-6);
    // Without an entropy bonus no gradient reaches the entropy (TRL's fixture holds zeros).
    const at::Tensor entropy_grad =
        in.entropy.grad().defined() ? in.entropy.grad() : at::zeros_like(in.entropy);
    EXPECT_LT(testing::max_abs_diff(entropy_grad.cpu(),
                                    tensor_from(fixture["grad_entropy"], at::kDouble)),
              1e-6);
    const auto& m = fixture["metrics"];
    EXPECT_NEAR(stats.clip_ratio_low_mean, m["clip_ratio/low_mean"].get<double>(), 1e-6);
    EXPECT_NEAR(stats.clip_ratio_high_mean, m["clip_ratio/high_mean"].get<double>(), 1e-6);
    EXPECT_NEAR(stats.clip_ratio_region_mean, m["clip_ratio/region_mean"].get<double>(), 1e-6);
    EXPECT_NEAR(stats.entropy_mean, m["entropy"].get<double>(), 1e-6);
    if (m.contains("kl")) {
      EXPECT_NEAR(stats.kl_mean, m["kl"].get<double>(), 1e-6);
    }
    if (m.contains("policy_loss")) {
      EXPECT_NEAR(stats.policy_loss, m["policy_loss"].get<double>(), 1e-6);
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         PolicyLossOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace r1forge
