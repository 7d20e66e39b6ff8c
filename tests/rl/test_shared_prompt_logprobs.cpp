// Shared-prompt completion log-probs (rl/shared_prompt_logprobs.h) against the plain path that
// runs every row's whole prompt + completion: the same log-probs and entropies, and the same
// gradient for every parameter, on groups with unequal prompt and completion lengths (empty and
// one-token completions included), for the Qwen2 (q/k/v bias, GQA) and Qwen3 (q/k norms)
// presets, with and without gradient checkpointing; and the prompt grouping itself.
#include <gtest/gtest.h>

#include "r1forge/model/model_config.h"
#include "r1forge/rl/rollout.h"
#include "r1forge/rl/shared_prompt_logprobs.h"
#include "test_util.h"

namespace r1forge {
namespace {

GeneratedSample sample_of(int64_t prompt, std::vector<int64_t> tokens) {
  GeneratedSample sample;
  sample.prompt_index = prompt;
  sample.token_ids = tokens;
  sample.logprobs.assign(tokens.size(), -1.0f);
  sample.finish_reason = FinishReason::STOP;
  return sample;
}

// Three prompts (lengths 5, 2 and 7) with 3, 2 and 3 completions of lengths 0..6, rows
// interleaved so that one group's rows are not contiguous.
RolloutBatch grouped_batch() {
  const std::vector<std::vector<int64_t>> prompts = {
      {3, 9, 27, 81, 17}, {11, 12}, {40, 41, 42, 43, 44, 45, 46}};
  std::vector<GeneratedSample> samples = {sample_of(0, {5, 6, 7}),
                                          sample_of(1, {20, 21, 22, 23, 24, 25}),
                                          sample_of(0, {8}),
                                          sample_of(2, {30, 31}),
                                          sample_of(1, {}),
                                          sample_of(0, {50, 51, 52, 53, 54}),
                                          sample_of(2, {60, 61, 62, 63}),
                                          sample_of(2, {70})};
  return make_rollout_batch(prompts, samples, /*pad_id=*/0, false);
}

TEST(SharedPromptLogprobs, GroupsRowsByPromptInOrderOfFirstAppearance) {
  const RolloutBatch batch = grouped_batch();
  const PromptGroups groups = group_prompts(batch);
  ASSERT_EQ(groups.count(), 3);
  EXPECT_TRUE(groups.owner.equal(at::tensor({0, 1, 0, 2, 1, 0, 2, 2}, at::kLong)));
  EXPECT_TRUE(groups.prompt_lengths.equal(at::tensor({5, 2, 7}, at::kLong)));
  ASSERT_EQ(groups.prompt_ids.sizes(), (at::IntArrayRef{3, 7}));
  EXPECT_TRUE(groups.prompt_ids[1].equal(at::tensor({11, 12, 0, 0, 0, 0, 0}, at::kLong)));
  EXPECT_TRUE(groups.key_mask[0].equal(at::tensor({1, 1, 1, 1, 1, 0, 0}).to(at::kBool)));
  EXPECT_EQ(groups.key_mask.sum().item<int64_t>(), 14);
}

// Log-probs, entropies and every parameter's gradient of a loss that weights each completion
// token differently, computed with and without prompt sharing.
void expect_shared_equals_plain(const std::string& preset, bool checkpointing) {
  ModelConfig config = model_preset(preset);
  Transformer model(config, /*initialize=*/false);
  model->init_weights(11);
  model->set_gradient_checkpointing(checkpointing);
  const RolloutBatch batch = grouped_batch();
  TokenLogprobOptions options;
  options.temperature = 0.8;
  options.with_entropy = true;
  options.chunk_rows = 5;
  const at::Tensor mask = batch.completion_mask;
  at::Tensor weights = at::linspace(-1.0, 2.0, mask.numel()).view(mask.sizes()) * mask;

  auto run = [&](bool shared, std::vector<at::Tensor>* grads) {
    model->zero_grad();
    TokenLogprobs out =
        shared ? shared_prompt_completion_logprobs(model, batch, group_prompts(batch), options)
               : completion_logprobs(model, batch, options);
    ((out.logprobs * weights).sum() + 0.1 * (out.entropy * weights).sum()).backward();
    for (const auto& parameter : model->parameters()) grads->push_back(parameter.grad().clone());
    return out;
  };
  std::vector<at::Tensor> plain_grads, shared_grads;
  TokenLogprobs plain = run(false, &plain_grads);
  TokenLogprobs shared = run(true, &shared_grads);
  ASSERT_EQ(shared.logprobs.sizes(), plain.logprobs.sizes());
  // Only completion tokens are defined; padding columns may differ.
  const at::Tensor on = mask.to(at::kBool);
  EXPECT_LT((shared.logprobs - plain.logprobs).masked_select(on).abs().max().item<double>(), 2e-5)
      << preset;
  EXPECT_LT((shared.entropy - plain.entropy).masked_select(on).abs().max().item<double>(), 2e-5)
      << preset;
  ASSERT_EQ(shared_grads.size(), plain_grads.size());
  for (size_t i = 0; i < plain_grads.size(); ++i) {
    const double scale = plain_grads[i].abs().max().item<double>();
    ASSERT_GT(scale, 0.0) << "parameter " << i << " got no gradient";
    const double error = (shared_grads[i] - plain_grads[i]).abs().max().item<double>();
    EXPECT_LT(error, 1e-4 * scale + 1e-7) << preset << " parameter " << i;
  }
}

TEST(SharedPromptLogprobs, EqualsPlainPathValuesAndGradientsQwen2) {
  expect_shared_equals_plain("tiny-qwen2", /*checkpointing=*/false);
}

TEST(SharedPromptLogprobs, EqualsPlainPathValuesAndGradientsQwen3) {
  expect_shared_equals_plain("tiny-qwen3", /*checkpointing=*/false);
}

TEST(SharedPromptLogprobs, EqualsPlainPathWithGradientCheckpointing) {
  expect_shared_equals_plain("tiny-qwen2", /*checkpointing=*/true);
  expect_shared_equals_plain("tiny-qwen3", /*checkpointing=*/true);
}

TEST(SharedPromptLogprobs, DistinctPromptsFallBackToThePlainPathExactly) {
  ModelConfig config = model_preset("tiny-qwen2");
  Transformer model(config, /*initialize=*/false);
  model->init_weights(5);
  at::NoGradGuard no_grad;
  RolloutBatch batch = make_rollout_batch(
      {{1, 2, 3}, {4, 5}}, {sample_of(0, {6, 7}), sample_of(1, {8, 9, 10})}, 0, false);
  TokenLogprobOptions options;
  EXPECT_TRUE(completion_logprobs(model, batch, options, /*share_prompts=*/true)
                  .logprobs.equal(completion_logprobs(model, batch, options).logprobs));
}

}  // namespace
}  // namespace r1forge
