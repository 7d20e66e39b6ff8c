// GRPO updates: gradient accumulation over micro-batches gives the gradient of the whole
// mini-batch for the loss types whose normaliser does not depend on the micro-batch (grpo,
// dr_grpo, dapo; TRL's bnpo is a per-micro-batch token mean by definition), checked through
// the pre-clip gradient norm the optimizer reports; the logged loss is the optimizer step's
// loss whatever the micro-batching (hand-derived on-policy values, a formula off-policy); and
// the no-grad scoring pass equals the training pass. The first two run on the CPU and on CUDA
// (device_test_util.h): the whole update on the GPU, its inputs through pinned copies.
#include <gtest/gtest.h>

#include "device_test_util.h"
#include "r1forge/model/model_config.h"
#include "r1forge/pipeline/grpo_update.h"
#include "r1forge/pipeline/stage.h"
#include "test_util.h"

namespace r1forge {
namespace {

// Completions of lengths 2, 5, 1, 3 (11 tokens) so that per-sequence and per-token means
// differ.
const std::vector<std::vector<int64_t>> kUnequalCompletions = {
    {7, 8}, {9, 10, 11, 12, 13}, {14}, {15, 16, 17}};
// Four completions of 3 tokens: bnpo's per-micro-batch token means then average to the
// batch's token mean.
const std::vector<std::vector<int64_t>> kEqualCompletions = {
    {7, 8, 9}, {10, 11, 12}, {13, 14, 15}, {16, 17, 18}};

RolloutBatch make_batch(
    const std::vector<std::vector<int64_t>>& completions = kUnequalCompletions) {
  std::vector<std::vector<int64_t>> prompts = {{1, 2, 3}, {4, 5}};
  std::vector<GeneratedSample> samples;
  for (size_t i = 0; i < completions.size(); ++i) {
    GeneratedSample sample;
    sample.prompt_index = static_cast<int64_t>(i / 2);
    sample.token_ids = completions[i];
    sample.logprobs.assign(completions[i].size(), -1.0f);
    sample.finish_reason = FinishReason::STOP;
    samples.push_back(sample);
  }
  return make_rollout_batch(prompts, samples, 0, false);
}

Transformer make_model(const at::Device& device = at::kCPU) {
  Transformer model(model_preset("tiny-qwen2"), /*initialize=*/false);
  model->init_weights(5);
  testing::on_device(model, device);
  return model;
}

// One optimizer step over `batch` with micro-batches of `micro_batch_size` rows. Undefined
// `old_logprobs` = exactly on-policy (every ratio 1).
PolicyUpdateStats update_once(LossType loss_type,
                              int64_t micro_batch_size,
                              const RolloutBatch& batch,
                              const at::Tensor& advantages,
                              const at::Tensor& old_logprobs,
                              const at::Device& device = at::kCPU) {
  Transformer model = make_model(device);
  OptimizerConfig optimizer_config;
  optimizer_config.learning_rate = 1e-3;
  optimizer_config.max_grad_norm = 0.0;
  Optimizer optimizer(*model, optimizer_config, 1);
  PolicyUpdateInputs inputs;
  inputs.advantages = advantages;
  inputs.old_logprobs = old_logprobs;
  PolicyUpdateConfig config;
  config.loss.loss_type = loss_type;
  config.loss.max_completion_length = 8;
  config.micro_batch_size = micro_batch_size;
  PolicyUpdateStats stats = update_policy(model, optimizer, batch, inputs, config);
  EXPECT_EQ(stats.optimizer_steps, 1);
  return stats;
}

const at::Tensor kOffPolicyAdvantages = at::tensor({1.0f, -1.0f, 0.5f, -0.5f});

double grad_norm_of_one_step(LossType loss_type,
                             int64_t micro_batch_size,
                             const at::Device& device = at::kCPU) {
  // Off-policy (old log-probs −5), so ratios and clipping act.
  return update_once(loss_type, micro_batch_size, make_batch(), kOffPolicyAdvantages,
                     at::full({4, 5}, -5.0f), device)
      .grad_norm;
}

class GrpoUpdateOn : public ::testing::TestWithParam<at::Device> {
 protected:
  void SetUp() override { R1F_SKIP_UNLESS_AVAILABLE(device()); }
  at::Device device() const { return GetParam(); }
};

TEST_P(GrpoUpdateOn, MicroBatchAccumulationEqualsTheFullBatchGradient) {
  for (LossType type : {LossType::GRPO, LossType::DR_GRPO, LossType::DAPO}) {
    const double full = grad_norm_of_one_step(type, 4, device());
    EXPECT_GT(full, 0.0);
    EXPECT_NEAR(grad_norm_of_one_step(type, 1, device()), full, 1e-5 * full)
        << loss_type_name(type);
    EXPECT_NEAR(grad_norm_of_one_step(type, 3, device()), full, 1e-5 * full)
        << loss_type_name(type);
  }
  // bnpo normalises by each micro-batch's own tokens (TRL): different lengths, different grad.
  EXPECT_GT(std::abs(grad_norm_of_one_step(LossType::BNPO, 1, device()) -
                     grad_norm_of_one_step(LossType::BNPO, 4, device())),
            1e-4);
}

// On-policy every ratio is 1 and no clip acts, so each token's loss is −A of its sequence.
// Lengths 2, 5, 1, 3 (11 tokens), A = [1, −1, 0.5, 0.25], max_completion_length 8:
//   Σ_i −A_i·len_i = −(2 − 5 + 0.5 + 0.75) = 1.75
//   grpo:    mean_i(−A_i) = −(1 − 1 + 0.5 + 0.25) / 4 = −0.1875       (any micro-batching)
//   dapo:    1.75 / 11                                                 (any micro-batching)
//   dr_grpo: 1.75 / (4 · 8) = 0.0546875                                (any micro-batching)
//   bnpo:    Σ_k (rows_k / 4) · (token mean of micro-batch k), TRL's per-micro-batch mean:
//            K = 1: 1.75 / 11; K = 4 (one row each): −0.1875;
//            K = 2 (rows {0,1}, {2,3}): ½·(3/7) + ½·(−1.25/4) = 0.05803571...
TEST_P(GrpoUpdateOn, LoggedLossIsTheOptimizerStepsLossOnPolicy) {
  const RolloutBatch batch = make_batch();
  const at::Tensor advantages = at::tensor({1.0f, -1.0f, 0.5f, 0.25f});
  const struct {
    LossType type;
    int64_t micro;
    double expected;
  } cases[] = {{LossType::GRPO, 4, -0.1875},
               {LossType::GRPO, 1, -0.1875},
               {LossType::GRPO, 3, -0.1875},
               {LossType::DAPO, 4, 1.75 / 11},
               {LossType::DAPO, 1, 1.75 / 11},
               {LossType::DAPO, 3, 1.75 / 11},
               {LossType::DR_GRPO, 4, 0.0546875},
               {LossType::DR_GRPO, 1, 0.0546875},
               {LossType::BNPO, 4, 1.75 / 11},
               {LossType::BNPO, 1, -0.1875},
               {LossType::BNPO, 2, 0.5 * 3.0 / 7.0 + 0.5 * (-1.25 / 4.0)}};
  for (const auto& c : cases) {
    const PolicyUpdateStats stats =
        update_once(c.type, c.micro, batch, advantages, at::Tensor(), device());
    // fp32 log-probs; the ratio is exp(logp − logp) = 1 exactly, so only the sums round.
    EXPECT_NEAR(stats.step_loss, c.expected, 1e-6)
        << loss_type_name(c.type) << " micro " << c.micro;
    EXPECT_NEAR(stats.loss.policy_loss, c.expected, 1e-6) << loss_type_name(c.type);
  }
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         GrpoUpdateOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

// Off-policy (old log-probs −5, ratios far from 1, clips active): the logged loss with one
// micro-batch and with four agrees for every loss type, and equals the TRL formula computed
// here from the model's log-probs. bnpo on equal lengths, where its objective does not depend
// on the micro-batching either.
TEST(GrpoUpdate, LoggedLossIsTheSameForOneOrFourMicroBatches) {
  for (LossType type : {LossType::GRPO, LossType::BNPO, LossType::DR_GRPO, LossType::DAPO}) {
    const RolloutBatch batch =
        make_batch(type == LossType::BNPO ? kEqualCompletions : kUnequalCompletions);
    const int64_t columns = batch.completion_ids.size(1);
    const at::Tensor old_logprobs = at::full({4, columns}, -5.0f);
    const double one = update_once(type, 4, batch, kOffPolicyAdvantages, old_logprobs).step_loss;
    const double four = update_once(type, 1, batch, kOffPolicyAdvantages, old_logprobs).step_loss;
    EXPECT_NEAR(one, four, 1e-6) << loss_type_name(type);

    // The formula: ℓ = −min(ρ·A, clip(ρ, 0.8, 1.2)·A), ρ = exp(logp − old), over the mask.
    Transformer model = make_model();
    at::NoGradGuard no_grad;
    const at::Tensor logp = completion_logprobs(model, batch, {}).logprobs.to(at::kDouble);
    const at::Tensor mask = batch.completion_mask.to(at::kDouble);
    const at::Tensor ratio = at::exp(logp - old_logprobs.to(at::kDouble));
    const at::Tensor a = kOffPolicyAdvantages.to(at::kDouble).unsqueeze(1);
    const at::Tensor per_token = -at::minimum(ratio * a, ratio.clamp(0.8, 1.2) * a) * mask;
    const at::Tensor lengths = mask.sum(1);
    double expected = 0.0;
    switch (type) {
      case LossType::GRPO: expected = (per_token.sum(1) / lengths).mean().item<double>(); break;
      case LossType::BNPO:
      case LossType::DAPO: expected = (per_token.sum() / mask.sum()).item<double>(); break;
      case LossType::DR_GRPO: expected = per_token.sum().item<double>() / (4 * 8); break;
    }
    EXPECT_GT(std::abs(expected), 1e-3) << loss_type_name(type);
    EXPECT_NEAR(one, expected, 1e-5) << loss_type_name(type);
  }
}

TEST(GrpoUpdate, ScoringPassEqualsTrainingLogprobsAndReferenceIsFrozen) {
  Transformer model(model_preset("tiny-qwen2"), /*initialize=*/false);
  model->init_weights(9);
  RolloutBatch batch = make_batch();
  // Rows 2i and 2i + 1 share a prompt: micro-batches of 3 share it within the first one.
  at::Tensor scored =
      score_completions(model, batch, /*micro_batch_size=*/3, 0.8, 2, /*shared_prompts=*/true);
  TokenLogprobOptions options;
  options.temperature = 0.8;
  at::Tensor direct = completion_logprobs(model, batch, options).logprobs.detach();
  EXPECT_LT(testing::max_abs_diff(scored * batch.completion_mask, direct * batch.completion_mask),
            1e-5);
  Transformer reference = clone_model(model);
  for (const auto& parameter : reference->parameters()) EXPECT_FALSE(parameter.requires_grad());
  at::Tensor by_reference = score_completions(reference, batch, 4, 0.8, 2, false);
  EXPECT_LT(
      testing::max_abs_diff(by_reference * batch.completion_mask, scored * batch.completion_mask),
      1e-6);
}

}  // namespace
}  // namespace r1forge
