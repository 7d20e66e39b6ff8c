// GRPO updates: gradient accumulation over micro-batches gives the gradient of the whole
// mini-batch for the loss types whose normaliser does not depend on the micro-batch (grpo,
// dr_grpo, dapo; TRL's bnpo is a per-micro-batch token mean by definition), checked through
// the pre-clip gradient norm the optimizer reports; and the no-grad scoring pass equals the
// training pass.
#include <gtest/gtest.h>

#include "r1forge/model/model_config.h"
#include "r1forge/pipeline/grpo_update.h"
#include "r1forge/pipeline/stage.h"
#include "test_util.h"

namespace r1forge {
namespace {

RolloutBatch make_batch() {
  // Completions of different lengths so that per-sequence and per-token means differ.
  std::vector<std::vector<int64_t>> prompts = {{1, 2, 3}, {4, 5}};
  std::vector<GeneratedSample> samples;
  const std::vector<std::vector<int64_t>> completions = {
      {7, 8}, {9, 10, 11, 12, 13}, {14}, {15, 16, 17}};
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

double grad_norm_of_one_step(LossType loss_type, int64_t micro_batch_size) {
  Transformer model(model_preset("tiny-qwen2"), /*initialize=*/false);
  model->init_weights(5);
  OptimizerConfig optimizer_config;
  optimizer_config.learning_rate = 1e-3;
  optimizer_config.max_grad_norm = 0.0;
  Optimizer optimizer(*model, optimizer_config, 1);
  RolloutBatch batch = make_batch();
  PolicyUpdateInputs inputs;
  inputs.advantages = at::tensor({1.0f, -1.0f, 0.5f, -0.5f});
  inputs.old_logprobs = at::full({4, 5}, -5.0f);  // off-policy, so ratios and clipping act
  PolicyUpdateConfig config;
  config.loss.loss_type = loss_type;
  config.loss.max_completion_length = 8;
  config.micro_batch_size = micro_batch_size;
  PolicyUpdateStats stats = update_policy(model, optimizer, batch, inputs, config);
  EXPECT_EQ(stats.optimizer_steps, 1);
  return stats.grad_norm;
}

TEST(GrpoUpdate, MicroBatchAccumulationEqualsTheFullBatchGradient) {
  for (LossType type : {LossType::GRPO, LossType::DR_GRPO, LossType::DAPO}) {
    const double full = grad_norm_of_one_step(type, 4);
    EXPECT_GT(full, 0.0);
    EXPECT_NEAR(grad_norm_of_one_step(type, 1), full, 1e-5 * full) << loss_type_name(type);
    EXPECT_NEAR(grad_norm_of_one_step(type, 3), full, 1e-5 * full) << loss_type_name(type);
  }
  // bnpo normalises by each micro-batch's own tokens (TRL): different lengths, different grad.
  EXPECT_GT(
      std::abs(grad_norm_of_one_step(LossType::BNPO, 1) - grad_norm_of_one_step(LossType::BNPO, 4)),
      1e-4);
}

TEST(GrpoUpdate, ScoringPassEqualsTrainingLogprobsAndReferenceIsFrozen) {
  Transformer model(model_preset("tiny-qwen2"), /*initialize=*/false);
  model->init_weights(9);
  RolloutBatch batch = make_batch();
  at::Tensor scored = score_completions(model, batch, /*micro_batch_size=*/3, 0.8, 2);
  TokenLogprobOptions options;
  options.temperature = 0.8;
  at::Tensor direct = completion_logprobs(model, batch, options).logprobs.detach();
  EXPECT_LT(testing::max_abs_diff(scored * batch.completion_mask, direct * batch.completion_mask),
            1e-5);
  Transformer reference = clone_model(model);
  for (const auto& parameter : reference->parameters()) EXPECT_FALSE(parameter.requires_grad());
  at::Tensor by_reference = score_completions(reference, batch, 4, 0.8, 2);
  EXPECT_LT(
      testing::max_abs_diff(by_reference * batch.completion_mask, scored * batch.completion_mask),
      1e-6);
}

}  // namespace
}  // namespace r1forge
