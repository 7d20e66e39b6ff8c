// Rollout batches: the right-padded layout, masks (including DAPO's overlong filtering), row
// selection, and completion log-probs equal to a full-logits log-softmax read at the positions
// that predict each completion token.
#include <gtest/gtest.h>

#include "r1forge/model/model_config.h"
#include "r1forge/rl/rollout.h"
#include "test_util.h"

namespace r1forge {
namespace {

GeneratedSample make_sample(int64_t prompt, std::vector<int64_t> tokens, FinishReason reason) {
  GeneratedSample sample;
  sample.prompt_index = prompt;
  sample.token_ids = tokens;
  for (size_t i = 0; i < tokens.size(); ++i) sample.logprobs.push_back(-0.5f * (i + 1));
  sample.finish_reason = reason;
  return sample;
}

TEST(Rollout, RightPaddedLayoutAndMasks) {
  const std::vector<std::vector<int64_t>> prompts = {{5, 6, 7}, {8, 9}};
  std::vector<GeneratedSample> samples = {make_sample(0, {10, 11}, FinishReason::STOP),
                                          make_sample(1, {12, 13, 14, 15}, FinishReason::LENGTH),
                                          make_sample(1, {}, FinishReason::STOP)};
  RolloutBatch batch = make_rollout_batch(prompts, samples, /*pad_id=*/0, false);
  // T = max(3 + 2, 2 + 4, 2 + 0) = 6; L = 4.
  ASSERT_EQ(batch.input_ids.sizes(), (at::IntArrayRef{3, 6}));
  EXPECT_TRUE(batch.input_ids[0].equal(at::tensor({5, 6, 7, 10, 11, 0}, at::kLong)));
  EXPECT_TRUE(batch.input_ids[1].equal(at::tensor({8, 9, 12, 13, 14, 15}, at::kLong)));
  EXPECT_TRUE(batch.input_ids[2].equal(at::tensor({8, 9, 0, 0, 0, 0}, at::kLong)));
  EXPECT_TRUE(batch.completion_ids[0].equal(at::tensor({10, 11, 0, 0}, at::kLong)));
  EXPECT_TRUE(batch.completion_mask.equal(
      at::tensor({1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}, at::kFloat).view({3, 4})));
  EXPECT_FLOAT_EQ(batch.sampler_logprobs[1][3].item<float>(), -2.0f);
  EXPECT_EQ(batch.sampler_logprobs[0][3].item<float>(), 0.0f);
  EXPECT_TRUE(batch.truncated.equal(at::tensor({0, 1, 0}).to(at::kBool)));
  // Overlong filtering zeroes the truncated row only.
  RolloutBatch filtered = make_rollout_batch(prompts, samples, 0, /*mask_truncated=*/true);
  EXPECT_EQ(filtered.completion_mask[1].sum().item<float>(), 0.0f);
  EXPECT_EQ(filtered.completion_mask[0].sum().item<float>(), 2.0f);
  // Selecting rows trims to their own longest sequence and completion.
  RolloutBatch first = select_rows(batch, at::tensor({0}, at::kLong));
  EXPECT_EQ(first.input_ids.sizes(), (at::IntArrayRef{1, 5}));
  EXPECT_EQ(first.completion_mask.sizes(), (at::IntArrayRef{1, 2}));
}

TEST(Rollout, CompletionLogprobsEqualFullLogSoftmaxAtPredictingPositions) {
  ModelConfig config = model_preset("tiny-qwen2");
  Transformer model(config, /*initialize=*/false);
  model->init_weights(3);
  const std::vector<std::vector<int64_t>> prompts = {{1, 2, 3, 4}, {5, 6}};
  std::vector<GeneratedSample> samples = {make_sample(0, {7, 8, 9}, FinishReason::STOP),
                                          make_sample(1, {10, 11, 12, 13, 14}, FinishReason::STOP)};
  RolloutBatch batch = make_rollout_batch(prompts, samples, 0, false);
  const double temperature = 0.7;
  TokenLogprobOptions options;
  options.temperature = temperature;
  options.with_entropy = true;
  options.chunk_rows = 3;
  TokenLogprobs fast = completion_logprobs(model, batch, options);
  ASSERT_EQ(fast.logprobs.sizes(), (at::IntArrayRef{2, 5}));
  for (int64_t row = 0; row < 2; ++row) {
    const auto& prompt = prompts[row];
    std::vector<int64_t> sequence = prompt;
    sequence.insert(sequence.end(), samples[row].token_ids.begin(), samples[row].token_ids.end());
    at::Tensor ids = at::tensor(sequence, at::kLong).unsqueeze(0);
    at::Tensor logp = at::log_softmax(model->forward({ids}).squeeze(0) / temperature, -1);
    for (size_t j = 0; j < samples[row].token_ids.size(); ++j) {
      const int64_t position = static_cast<int64_t>(prompt.size() + j) - 1;
      const double expected = logp[position][samples[row].token_ids[j]].item<double>();
      EXPECT_NEAR(fast.logprobs[row][j].item<double>(), expected, 1e-5) << row << "," << j;
      const double entropy = -(logp[position].exp() * logp[position]).sum().item<double>();
      EXPECT_NEAR(fast.entropy[row][j].item<double>(), entropy, 1e-5);
    }
  }
}

}  // namespace
}  // namespace r1forge
