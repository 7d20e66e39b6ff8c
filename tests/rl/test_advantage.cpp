// Tests of rl/advantage.h: hand-derived vectors (algorithms.md 13.1 and small cases worked out
// in comments), invariants (zero-sum groups, exact zeros for equal groups), none (NaN) rewards,
// input validation, and the TRL oracle fixture tests/golden/advantage/advantage_cases.json
// written by tests/rl/make_advantage_fixtures.py from the installed TRL's own code.
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/rl/advantage.h"
#include "test_util.h"

namespace r1forge {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// rows [N][F] -> [N, F] fp32 tensor (NaN = none).
at::Tensor reward_matrix(const std::vector<std::vector<double>>& rows) {
  const int64_t functions = static_cast<int64_t>(rows.front().size());
  at::Tensor out = at::empty({static_cast<int64_t>(rows.size()), functions}, at::kFloat);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (int64_t f = 0; f < functions; ++f) out[i][f] = rows[i][f];
  }
  return out;
}

at::Tensor column(const std::vector<double>& values) {
  return reward_matrix([&] {
    std::vector<std::vector<double>> rows;
    for (double v : values) rows.push_back({v});
    return rows;
  }());
}

AdvantageConfig config_for(AdvantageEstimator estimator,
                           RewardScaling scaling = RewardScaling::SCALE_GROUP) {
  AdvantageConfig config;
  config.estimator = estimator;
  config.scale_rewards = scaling;
  return config;
}

std::vector<double> values_of(const at::Tensor& tensor) {
  const at::Tensor host = tensor.to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
}

void expect_near_all(const at::Tensor& actual, const std::vector<double>& expected, double tol) {
  const std::vector<double> got = values_of(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "index " << i;
}

// algorithms.md 13.1: r = [1, 0, 0, 1], mean 0.5, Bessel std sqrt(4 * 0.25 / 3) = 0.5773503.
TEST(Advantage, PaperVector13_1) {
  const at::Tensor rewards = column({1, 0, 0, 1});
  // TRL grpo: 0.5 / (0.5773503 + 1e-4) = 0.865875.
  AdvantageResult grpo =
      compute_advantages(rewards, {1.0}, 4, config_for(AdvantageEstimator::ADVANTAGE_GRPO));
  expect_near_all(grpo.advantages, {0.865875, -0.865875, -0.865875, 0.865875}, 1e-6);
  // verl's epsilon 1e-6: 0.5 / 0.5773513 = 0.866024.
  AdvantageConfig verl = config_for(AdvantageEstimator::ADVANTAGE_GRPO);
  verl.std_epsilon = 1e-6;
  expect_near_all(compute_advantages(rewards, {1.0}, 4, verl).advantages,
                  {0.866024, -0.866024, -0.866024, 0.866024}, 1e-6);
  // Dr. GRPO: r - mean = +-0.5.
  expect_near_all(
      compute_advantages(rewards, {1.0}, 4, config_for(AdvantageEstimator::ADVANTAGE_DR_GRPO))
          .advantages,
      {0.5, -0.5, -0.5, 0.5}, 1e-7);
  // RLOO: 1 - (0 + 0 + 1)/3 = 2/3 and 0 - (1 + 0 + 1)/3 = -2/3.
  expect_near_all(
      compute_advantages(rewards, {1.0}, 4, config_for(AdvantageEstimator::ADVANTAGE_RLOO))
          .advantages,
      {2.0 / 3, -2.0 / 3, -2.0 / 3, 2.0 / 3}, 1e-7);
  EXPECT_EQ(grpo.zero_std_groups, 0);
  EXPECT_DOUBLE_EQ(grpo.reward_mean, 0.5);
  EXPECT_NEAR(grpo.reward_std, 0.5773503, 1e-7);
  EXPECT_EQ(grpo.advantages.scalar_type(), at::kFloat);
}

// scale_rewards on groups [0, 1] and [0, 3] (G = 2).
// group: stds sqrt(0.5) = 0.7071068 and sqrt(4.5) = 2.1213203, deviations +-0.5 and +-1.5,
//        so +-0.5 / 0.7072068 = +-0.7070068 and +-1.5 / 2.1214203 = +-0.7070735.
// batch: mean 1, Bessel var (1 + 0 + 1 + 4) / 3 = 2, std 1.4142136: +-0.5 / 1.4143136 =
//        +-0.3535284 and +-1.5 / 1.4143136 = +-1.0605852.
// none:  the deviations themselves.
TEST(Advantage, ScaleRewardsVariants) {
  const at::Tensor rewards = column({0, 1, 0, 3});
  auto run = [&](RewardScaling scaling) {
    return compute_advantages(rewards, {1.0}, 2,
                              config_for(AdvantageEstimator::ADVANTAGE_GRPO, scaling))
        .advantages;
  };
  expect_near_all(run(RewardScaling::SCALE_GROUP), {-0.7070068, 0.7070068, -0.7070735, 0.7070735},
                  1e-6);
  expect_near_all(run(RewardScaling::SCALE_BATCH), {-0.3535284, 0.3535284, -1.0605852, 1.0605852},
                  1e-6);
  expect_near_all(run(RewardScaling::SCALE_NONE), {-0.5, 0.5, -1.5, 1.5}, 1e-7);
}

TEST(Advantage, GroupsSumToZero) {
  at::manual_seed(7);
  const at::Tensor rewards = at::rand({6 * 5, 3});  // B = 6 prompts, G = 5, F = 3
  for (AdvantageEstimator estimator :
       {AdvantageEstimator::ADVANTAGE_GRPO, AdvantageEstimator::ADVANTAGE_DR_GRPO,
        AdvantageEstimator::ADVANTAGE_RLOO}) {
    const AdvantageResult result =
        compute_advantages(rewards, {1.0, 0.5, -2.0}, 5, config_for(estimator));
    const at::Tensor per_group = result.advantages.view({6, 5}).to(at::kDouble).sum(1);
    EXPECT_LT(per_group.abs().max().item<double>(), 1e-5) << to_string(estimator);
    EXPECT_GT(result.advantages.abs().max().item<double>(), 0.1) << to_string(estimator);
  }
}

// 0.1 is not a binary fraction: a naive mean of three 0.1s is 0.1 + 2^-56ish, which would give
// (0.1 - mean) / 1e-4 != 0. The group [0.1, 0.1, 0.1] must come out exactly zero and counted.
TEST(Advantage, EqualRewardGroupIsExactlyZeroAndCounted) {
  const at::Tensor rewards = column({0.1, 0.1, 0.1, 0, 1, 1, 0.7, 0.7, 0.7});
  for (AdvantageEstimator estimator :
       {AdvantageEstimator::ADVANTAGE_GRPO, AdvantageEstimator::ADVANTAGE_DR_GRPO,
        AdvantageEstimator::ADVANTAGE_RLOO, AdvantageEstimator::ADVANTAGE_REINFORCE_PP_BASELINE}) {
    for (RewardScaling scaling :
         {RewardScaling::SCALE_GROUP, RewardScaling::SCALE_BATCH, RewardScaling::SCALE_NONE}) {
      const AdvantageResult result =
          compute_advantages(rewards, {1.0}, 3, config_for(estimator, scaling));
      const std::vector<double> advantages = values_of(result.advantages);
      for (int i : {0, 1, 2, 6, 7, 8}) {
        EXPECT_EQ(advantages[i], 0.0)
            << to_string(estimator) << " " << to_string(scaling) << " i=" << i;
      }
      EXPECT_NE(advantages[3], 0.0);
      EXPECT_EQ(result.num_groups, 3);
      EXPECT_EQ(result.zero_std_groups, 2);
      EXPECT_DOUBLE_EQ(result.frac_reward_zero_std, 2.0 / 3);
    }
  }
}

// REINFORCE++ has no group baseline: an equal group is still counted, but its samples keep
// a batch-whitened advantage. Rewards [1, 0, 1, 1], KL [0, 0, 2, 0], coef 0.5:
// shaped [1, 0, 0, 1], mean 0.5, Bessel std 0.5773503 -> +-0.5 / 0.5774503 = +-0.865875.
TEST(Advantage, ReinforcePlusPlusFoldsKlThenWhitensOverBatch) {
  AdvantageConfig config = config_for(AdvantageEstimator::ADVANTAGE_REINFORCE_PP);
  config.kl_in_reward_coef = 0.5;
  const at::Tensor kl = at::tensor({0.0, 0.0, 2.0, 0.0});
  const AdvantageResult result = compute_advantages(column({1, 0, 1, 1}), {1.0}, 2, config, kl);
  expect_near_all(result.advantages, {0.865875, -0.865875, -0.865875, 0.865875}, 1e-6);
  // Logged reward is the reward before the KL penalty; the zero-std test sees the shaped reward
  // (group 2 is [0, 1] after the penalty), as TRL's RLOO does.
  expect_near_all(result.rewards, {1, 0, 1, 1}, 0);
  EXPECT_EQ(result.zero_std_groups, 0);
  EXPECT_DOUBLE_EQ(result.reward_mean, 0.75);
}

// G = 3, F = 2, weights [1, 2]:
//   row 0 [1, none]    -> 1            (nansum over the scored function)
//   row 1 [none, none] -> unscorable   (NaN reward, advantage 0)
//   row 2 [0, 1]       -> 2
//   rows 3-5: [none, none] x 2 and [0.5, 0] -> one scorable sample: no std, advantages 0.
// Group 0: mean 1.5, std sqrt(0.5) = 0.7071068 -> -+0.5 / 0.7072068 = -+0.7070068.
// none_rewards = 1 + 2 + 2 + 2 = 7, unscorable = 3. Logged over [1, 2, 0.5]: mean 7/6,
// Bessel std sqrt((1/36 + 25/36 + 4/9) / 2) = sqrt(0.5833333) = 0.7637626.
TEST(Advantage, NoneRewardsAreExcludedAndCounted) {
  const at::Tensor rewards =
      reward_matrix({{1, kNone}, {kNone, kNone}, {0, 1}, {kNone, kNone}, {kNone, kNone}, {0.5, 0}});
  const AdvantageResult result =
      compute_advantages(rewards, {1.0, 2.0}, 3, config_for(AdvantageEstimator::ADVANTAGE_GRPO));
  expect_near_all(result.advantages, {-0.7070068, 0, 0.7070068, 0, 0, 0}, 1e-6);
  EXPECT_EQ(result.none_rewards, 7);
  EXPECT_EQ(result.unscorable_samples, 3);
  const std::vector<double> combined = values_of(result.rewards);
  EXPECT_TRUE(std::isnan(combined[1]) && std::isnan(combined[3]) && std::isnan(combined[4]));
  EXPECT_DOUBLE_EQ(combined[2], 2.0);
  EXPECT_NEAR(result.reward_mean, 7.0 / 6, 1e-12);
  EXPECT_NEAR(result.reward_std, 0.7637626, 1e-7);
  // The second group has one scorable sample: nanstd is undefined there, so it is not "zero".
  EXPECT_EQ(result.zero_std_groups, 0);
  EXPECT_FALSE(at::isnan(result.advantages).any().item<bool>());
}

TEST(Advantage, MatchesTrlOracleFixture) {
  const auto path = testing::source_dir() / "tests/golden/advantage/advantage_cases.json";
  const nlohmann::json fixture = nlohmann::json::parse(read_file(path));
  ASSERT_GE(fixture.at("cases").size(), 10u);
  auto number = [](const nlohmann::json& value) {
    return value.is_null() ? kNone : value.get<double>();
  };
  for (const nlohmann::json& item : fixture.at("cases")) {
    SCOPED_TRACE(item.at("name").get<std::string>());
    std::vector<std::vector<double>> rows;
    for (const nlohmann::json& row : item.at("rewards_per_function")) {
      rows.emplace_back();
      for (const nlohmann::json& value : row) rows.back().push_back(number(value));
    }
    AdvantageConfig config;
    config.estimator = parse_advantage_estimator(item.at("estimator").get<std::string>());
    config.scale_rewards = parse_reward_scaling(item.at("scale_rewards").get<std::string>());
    config.normalize_advantages = item.at("normalize_advantages").get<bool>();
    config.kl_in_reward_coef = item.at("kl_in_reward_coef").get<double>();
    at::Tensor kl;
    if (!item.at("sequence_kl").is_null()) {
      kl = at::tensor(item.at("sequence_kl").get<std::vector<double>>(), at::kFloat);
    }
    const AdvantageResult result =
        compute_advantages(reward_matrix(rows), item.at("weights").get<std::vector<double>>(),
                           item.at("group_size").get<int64_t>(), config, kl);
    const nlohmann::json& expected = item.at("expected");
    expect_near_all(result.advantages, expected.at("advantages").get<std::vector<double>>(), 1e-6);
    const std::vector<double> combined = values_of(result.rewards);
    for (size_t i = 0; i < combined.size(); ++i) {
      const double want = number(expected.at("rewards")[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(combined[i])) << "reward " << i;
      } else {
        EXPECT_NEAR(combined[i], want, 1e-6) << "reward " << i;
      }
    }
    EXPECT_NEAR(result.frac_reward_zero_std, expected.at("frac_reward_zero_std").get<double>(),
                1e-12);
    EXPECT_NEAR(result.reward_mean, number(expected.at("reward_mean")), 1e-6);
    EXPECT_NEAR(result.reward_std, number(expected.at("reward_std")), 1e-6);
  }
}

TEST(Advantage, AcceptsOtherDtypesAndReturnsFloat) {
  const at::Tensor rewards = column({1, 0, 0, 1}).to(at::kBFloat16);
  const AdvantageResult result =
      compute_advantages(rewards, {1.0}, 4, config_for(AdvantageEstimator::ADVANTAGE_DR_GRPO));
  EXPECT_EQ(result.advantages.scalar_type(), at::kFloat);
  EXPECT_EQ(result.rewards.scalar_type(), at::kFloat);
  expect_near_all(result.advantages, {0.5, -0.5, -0.5, 0.5}, 0);
}

std::string error_message(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(Advantage, BadShapesAreDataErrorsNamingTheShapes) {
  const AdvantageConfig grpo = config_for(AdvantageEstimator::ADVANTAGE_GRPO);
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}), {1.0}, 4, grpo), DataError);
  const std::string message = error_message([&] {
    compute_advantages(at::zeros({6, 1}), {1.0}, 4, grpo);
  });
  EXPECT_NE(message.find("[6, 1]"), std::string::npos) << message;
  EXPECT_NE(message.find("G = 4"), std::string::npos) << message;

  EXPECT_THROW(compute_advantages(at::zeros({6}), {1.0}, 3, grpo), DataError);
  EXPECT_THROW(compute_advantages(at::zeros({0, 1}), {1.0}, 3, grpo), DataError);
  EXPECT_THROW(compute_advantages(at::zeros({6, 2}), {1.0}, 3, grpo),
               DataError);  // 1 weight, F = 2
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}, at::kLong), {1.0}, 3, grpo), DataError);
  EXPECT_THROW(
      compute_advantages(column({1, std::numeric_limits<double>::infinity()}), {1.0}, 2, grpo),
      DataError);
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}), {1.0}, 0, grpo), ConfigError);
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}), {kNone}, 3, grpo), ConfigError);

  AdvantageConfig rloo = config_for(AdvantageEstimator::ADVANTAGE_RLOO);
  rloo.kl_in_reward_coef = 0.05;
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}), {1.0}, 3, rloo, at::zeros({5})), DataError);
  EXPECT_THROW(compute_advantages(at::zeros({6, 1}), {1.0}, 3, rloo), Error);  // KL missing
}

TEST(Advantage, KlInRewardOnlyForKlInRewardEstimators) {
  AdvantageConfig config = config_for(AdvantageEstimator::ADVANTAGE_GRPO);
  config.kl_in_reward_coef = 0.1;
  const std::string message = error_message([&] {
    compute_advantages(at::zeros({4, 1}), {1.0}, 2, config, at::zeros({4}));
  });
  EXPECT_NE(message.find("grpo"), std::string::npos) << message;
  EXPECT_THROW(compute_advantages(at::zeros({4, 1}), {1.0}, 2, config, at::zeros({4})),
               ConfigError);
  config.std_epsilon = -1;
  config.kl_in_reward_coef = 0;
  EXPECT_THROW(compute_advantages(at::zeros({4, 1}), {1.0}, 2, config), ConfigError);
}

TEST(Advantage, NamesRoundTripAndUnknownNamesListTheValidOnes) {
  for (const char* name : {"grpo", "dr_grpo", "rloo", "reinforce_pp", "reinforce_pp_baseline"}) {
    EXPECT_EQ(to_string(parse_advantage_estimator(name)), name);
  }
  for (const char* name : {"group", "batch", "none"}) {
    EXPECT_EQ(to_string(parse_reward_scaling(name)), name);
  }
  EXPECT_THROW(parse_advantage_estimator("ppo"), ConfigError);
  const std::string message = error_message([] { parse_reward_scaling("True"); });
  EXPECT_NE(message.find("'True'"), std::string::npos) << message;
  EXPECT_NE(message.find("group, batch, none"), std::string::npos) << message;
}

}  // namespace
}  // namespace r1forge
