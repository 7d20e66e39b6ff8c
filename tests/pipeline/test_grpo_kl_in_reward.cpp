// The KL estimator of a GRPO stage follows TRL by placement: `kl_estimator: auto` (the
// default) is k3 in the loss (GRPOTrainer) and k1, the plain log-ratio, in the reward
// (RLOOTrainer: rewards -= beta * sum_t (old_logp - ref_logp)). Loading a config writes the
// effective estimator into it, so config.resolved.yaml names what runs; an explicit value
// stays. The reward-side penalty and the RLOO advantage it feeds are checked by hand.
#include <gtest/gtest.h>

#include <string>

#include "r1forge/pipeline/run_config.h"
#include "r1forge/rl/advantage.h"
#include "r1forge/rl/kl.h"

namespace r1forge {
namespace {

std::string grpo_yaml(const std::string& extra) {
  return "stages:\n"
         "  - name: rl\n"
         "    type: grpo\n"
         "    grpo:\n"
         "      data: {path: prompts.jsonl}\n"
         "      rewards: [{name: accuracy}]\n"
         "      advantage_estimator: rloo\n"
         "      beta: 0.1\n" +
         extra;
}

TEST(GrpoKlInReward, AutoEstimatorIsK1InTheRewardK3InTheLossAndResolvedInTheConfig) {
  const Config in_reward = load_config_text(grpo_yaml("      kl_in: reward\n"), "test.yaml");
  EXPECT_EQ(in_reward.stages[0].grpo->kl_estimator, "k1");
  EXPECT_EQ(in_reward.stages[0].grpo->policy_loss_config().kl_estimator, KlEstimator::K1);
  EXPECT_NE(config_to_yaml(in_reward).find("kl_estimator: k1"), std::string::npos);

  const Config in_loss = load_config_text(grpo_yaml(""), "test.yaml");
  EXPECT_EQ(in_loss.stages[0].grpo->kl_estimator, "k3");
  EXPECT_EQ(in_loss.stages[0].grpo->policy_loss_config().kl_estimator, KlEstimator::K3);
  EXPECT_NE(config_to_yaml(in_loss).find("kl_estimator: k3"), std::string::npos);

  // An override that moves the KL into the reward moves the default with it.
  const Config overridden =
      load_config_text(grpo_yaml(""), "test.yaml", {"stages.rl.grpo.kl_in=reward"});
  EXPECT_EQ(overridden.stages[0].grpo->kl_estimator, "k1");
  // An explicit choice is kept, whatever the placement.
  const Config explicit_k3 =
      load_config_text(grpo_yaml("      kl_in: reward\n      kl_estimator: k3\n"), "test.yaml");
  EXPECT_EQ(explicit_k3.stages[0].grpo->kl_estimator, "k3");
  // A config that never went through load_config still means the same.
  GrpoConfig unresolved;
  unresolved.kl_in = "reward";
  EXPECT_EQ(unresolved.kl_estimator, "auto");
  EXPECT_EQ(unresolved.policy_loss_config().kl_estimator, KlEstimator::K1);
}

// G = 2 samples of one prompt, rewards [1, 0], beta = 0.1, old - ref per token:
//   sample 0: [0.5, 0.25]  -> k1 sum 0.75  -> penalty 0.075 -> reward 0.925
//   sample 1: [-0.2, (pad)] -> k1 sum -0.2 -> penalty -0.02 -> reward 0.02
// RLOO: A_i = r_i - mean of the others = [0.925 - 0.02, 0.02 - 0.925] = [0.905, -0.905].
// (k3 would give penalties 0.1 * (e^-0.5 + 0.5 - 1 + e^-0.25 + 0.25 - 1) = 0.0135331 and
// 0.1 * (e^0.2 - 0.2 - 1) = 0.0021403, so A = +-0.9886072: the test tells them apart.)
TEST(GrpoKlInReward, RewardPenaltyIsTheSummedLogRatioAsInTrlRloo) {
  const Config config = load_config_text(grpo_yaml("      kl_in: reward\n"), "test.yaml");
  const GrpoConfig& grpo = *config.stages[0].grpo;
  const at::Tensor old_logp = at::tensor({-1.0, -2.0, -1.0, -1.0}, at::kDouble).view({2, 2});
  const at::Tensor ref_logp = at::tensor({-1.5, -2.25, -0.8, -9.0}, at::kDouble).view({2, 2});
  const at::Tensor mask = at::tensor({1, 1, 1, 0}, at::kLong).view({2, 2});
  // As the stage does it: the unscaled per-sequence KL; the advantage applies beta.
  const at::Tensor sequence_kl = kl_reward_penalty(old_logp, ref_logp, mask, /*beta=*/1.0,
                                                   grpo.policy_loss_config().kl_estimator);
  EXPECT_NEAR(sequence_kl[0].item<double>(), 0.75, 1e-12);
  EXPECT_NEAR(sequence_kl[1].item<double>(), -0.2, 1e-12);
  const AdvantageResult result =
      compute_advantages(at::tensor({1.0, 0.0}, at::kDouble).view({2, 1}), {1.0}, 2,
                         grpo.advantage_config(), sequence_kl);
  EXPECT_NEAR(result.advantages[0].item<double>(), 0.905, 1e-6);
  EXPECT_NEAR(result.advantages[1].item<double>(), -0.905, 1e-6);
}

}  // namespace
}  // namespace r1forge
